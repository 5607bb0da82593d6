/* The shims are static inline in the header; this file makes the C target non-empty. */
#include "CGatehouseCurl.h"
