#include "config.h"
#include <stdio.h>
int main(void)
{
	printf("check_rpc_encryption %s\n", PACKAGE_VERSION);
	return 3;
}
