/* Common includes for the cmocka unit tests. */
#ifndef KTRIAGE_TEST_CM_H
#define KTRIAGE_TEST_CM_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif
