#include "sandbox.h"

int lp_sandbox_enter(struct lp_result *r)
{
	(void)r;
	return 0;
}
