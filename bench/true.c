/* true-static: the baseline for peak RSS (a static binary that does nothing). */
int main(void) { return 0; }
