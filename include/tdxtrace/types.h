/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * types.h - fixed-width types for the tdxtrace ABI headers.
 *
 * The ABI headers are included by BPF programs (after vmlinux.h, which
 * defines __VMLINUX_H__ and the __u* types) and by user space (which gets them
 * from <linux/types.h>).  Only fixed-width types and constants live in them.
 */
#ifndef TDXTRACE_TYPES_H
#define TDXTRACE_TYPES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifndef TDX_INLINE
#define TDX_INLINE static inline __attribute__((always_inline, unused))
#endif

#endif /* TDXTRACE_TYPES_H */
