/* SPDX-License-Identifier: BSD-3-Clause */
#include "sl_maglev.h"
