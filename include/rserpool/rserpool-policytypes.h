/*
 * RSerPool pool policy type numbers (RFC 5356 section 4 for the standard
 * ones; the 0xb000xxxx ones are RSPLIB's own) and the ranges of their
 * values, as RSPLIB 3's <rserpool/rserpool-policytypes.h> names them.
 * docs/wire.md 5.1 has the wire form.  ISC licence (LICENSE).
 */
#ifndef RSERPOOL_POLICYTYPES_H
#define RSERPOOL_POLICYTYPES_H

#define PPT_UNDEFINED 0x00000000u

/* RFC 5356 4.1: policies without load */
#define PPT_ROUNDROBIN          0x00000001u
#define PPT_WEIGHTED_ROUNDROBIN 0x00000002u
#define PPT_RANDOM              0x00000003u
#define PPT_WEIGHTED_RANDOM     0x00000004u
#define PPT_PRIORITY            0x00000005u

/* RFC 5356 4.2: load-based policies */
#define PPT_LEASTUSED             0x40000001u
#define PPT_LEASTUSED_DEGRADATION 0x40000002u
#define PPT_PRIORITY_LEASTUSED    0x40000003u
#define PPT_RANDOMIZED_LEASTUSED  0x40000004u

/* RSPLIB's experimental policies */
#define PPT_RANDOMIZED_PRIORITY_LEASTUSED             0xb0001001u
#define PPT_RANDOMIZED_LEASTUSED_DEGRADATION          0xb0001002u
#define PPT_PRIORITY_LEASTUSED_DEGRADATION            0xb0001003u
#define PPT_RANDOMIZED_PRIORITY_LEASTUSED_DEGRADATION 0xb0001004u
#define PPT_WEIGHTED_RANDOM_DPF                       0xb0002001u
#define PPT_LEASTUSED_DPF                             0xb0002002u
#define PPT_LEASTUSED_DEGRADATION_DPF                 0xb0002003u
#define PPT_PRIORITY_LEASTUSED_DPF                    0xb0002004u
#define PPT_PRIORITY_LEASTUSED_DEGRADATION_DPF        0xb0002005u

/* 1 for the policies whose selection uses the PEs' load values. */
#define PPT_IS_ADAPTIVE(p)                                           \
	((p) == PPT_LEASTUSED || (p) == PPT_LEASTUSED_DEGRADATION || \
	    (p) == PPT_PRIORITY_LEASTUSED ||                         \
	    (p) == PPT_RANDOMIZED_LEASTUSED ||                       \
	    (p) == PPT_RANDOMIZED_PRIORITY_LEASTUSED ||              \
	    (p) == PPT_RANDOMIZED_LEASTUSED_DEGRADATION ||           \
	    (p) == PPT_PRIORITY_LEASTUSED_DEGRADATION ||             \
	    (p) == PPT_RANDOMIZED_PRIORITY_LEASTUSED_DEGRADATION ||  \
	    (p) == PPT_LEASTUSED_DPF ||                              \
	    (p) == PPT_LEASTUSED_DEGRADATION_DPF ||                  \
	    (p) == PPT_PRIORITY_LEASTUSED_DPF ||                     \
	    (p) == PPT_PRIORITY_LEASTUSED_DEGRADATION_DPF)

/* Every policy value is a full 32-bit unsigned number. */
#define PPV_MIN_WEIGHT           0u
#define PPV_MAX_WEIGHT           0xffffffffu
#define PPV_MIN_LOAD             0u
#define PPV_MAX_LOAD             0xffffffffu
#define PPV_MIN_LOAD_DEGRADATION 0u
#define PPV_MAX_LOAD_DEGRADATION 0xffffffffu
#define PPV_MIN_LOADDPF          0u
#define PPV_MAX_LOADDPF          0xffffffffu
#define PPV_MIN_WEIGHTDPF        0u
#define PPV_MAX_WEIGHTDPF        0xffffffffu

#endif
