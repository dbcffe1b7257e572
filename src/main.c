/*
 * main.c -- wiring only: configuration, target, TLS files, sandbox, probe,
 * report.  The only place that prints a verdict or exits.
 */
#include <stdio.h>

#include "config.h"
#include "probe.h"
#include "report.h"
#include "sandbox.h"
#include "tls.h"

extern char **environ;

int main(int argc, char **argv)
{
	static struct lp_config cfg;
	static struct lp_probe probe;
	struct lp_result r = {0};
	struct lp_tls *tls = NULL;

	if (lp_config_parse(&cfg, argc, argv, environ, &r) < 0)
		return lp_report(&r, cfg.exit_mode); /* usage errors are 1 in both modes */
	if (cfg.action == LP_HELP) {
		lp_config_usage();
		return 0;
	}
	if (cfg.action == LP_VERSION_ACTION) {
		printf("lprobe " LP_VERSION " (%s)\n", lp_tls_backend());
		return 0;
	}
	/* every file is read before the sandbox closes open(2) */
	if ((cfg.tls && lp_tls_load(&tls, &cfg, &r) < 0) ||
	    lp_probe_init(&probe, &cfg, tls, &r) < 0 || lp_sandbox_enter(&r) < 0)
		return lp_report(&r, cfg.exit_mode);
	if (cfg.verbose)
		lp_log("sandbox: no_new_privs and seccomp allow-list in force");
	lp_probe_run(&probe, 1);
	return lp_report(&probe.res, cfg.exit_mode);
}
