# gnuplot script for docs/bench.svg (called by bench/bench.py):
#   gnuplot -e "sizes='sizes.dat'; times='times.dat'; out='docs/bench.svg'; term='svg'" bench/chart.gp
# sizes.dat: "label" binary_KiB image_KiB
# times.dat: "label" (\n for a line break) median_ms p25_ms p75_ms color   (color: 1 lprobe, 2 floor, 3 curl, 4 wget, 5 busybox)
if (term eq 'svg') {
    set terminal svg size 1000,820 dynamic enhanced font 'Helvetica,13' background rgb 'white'
} else {
    set terminal pngcairo size 1000,820 enhanced font 'Helvetica,11' background rgb 'white'
}
set output out

set linetype 1 lc rgb '#1f77b4'
set linetype 2 lc rgb '#7f7f7f'
set linetype 3 lc rgb '#d62728'
set linetype 4 lc rgb '#ff7f0e'
set linetype 5 lc rgb '#2ca02c'
set linetype 6 lc rgb '#9ecae1'

set multiplot layout 2,1 margins 0.08,0.98,0.08,0.94 spacing 0,0.14

# ---- binary size
set title "Binary size, and what a FROM scratch image must add (KiB, log scale)"
set logscale y
stats sizes using 3 nooutput
set yrange [10 : 10.0**ceil(log10(STATS_max * 2))]
set format y "%g"
set grid ytics
set style fill solid 0.85 border -1
set boxwidth 0.38
set xtics nomirror
set key top left
set xrange [-0.6:*]
plot sizes using 0:(NaN):xtic(1) with points notitle, \
     ''    using ($0-0.2):2 with boxes lt 1 title "binary", \
     ''    using ($0+0.2):3 with boxes lt 6 title "binary + shared libraries", \
     ''    using ($0-0.2):2:(sprintf("%.0f", $2)) with labels offset 0,0.7 font ',10' notitle, \
     ''    using ($0+0.2):3:(sprintf("%.0f", $3)) with labels offset 0,0.7 font ',10' notitle

# ---- per-probe wall time
set title "Wall time of one probe: fork + exec + probe + exit (median ms, bars p25-p75, log scale)"
set autoscale y
stats times using 2 nooutput
set yrange [10.0**floor(log10(STATS_min)) : 10.0**ceil(log10(STATS_max * 2))]
set boxwidth 0.7
set xtics norotate
unset key
plot times using 0:2:5:xtic(1) with boxes lc variable notitle, \
     ''    using 0:3:(0):($4-$3) with vectors nohead lw 1.5 lc rgb 'black' notitle, \
     ''    using 0:2:(sprintf("%.2f", $2)) with labels offset 0,1.1 font ',10' notitle
unset multiplot
