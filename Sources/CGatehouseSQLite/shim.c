/* The shims are inline in CGatehouseSQLite.h; this file gives the module a translation unit. */
#include "CGatehouseSQLite.h"
