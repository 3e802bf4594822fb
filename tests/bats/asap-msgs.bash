# shellcheck shell=bash
# ASAP messages as asapcat's hex lines, for the registrar tests
# (registrar.bats, metrics.bats): `load asap-msgs`.
# shellcheck disable=SC2034

# EchoPool, PE $12345678, SCTP port 7 at 127.0.0.1 data+control, RR,
# life 30000 ms.
REG='01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 12 34 56 78 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 7f 00 00 01 00 08 00 08 00 00 00 01'
# Same pool, PE $22222222, random policy: inconsistent with RR.
REG_RAND='01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 22 22 22 22 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 7f 00 00 01 00 08 00 08 00 00 00 03'
# PE $33333333 offering 10.1.1.1, which is not on its association.
REG_FOREIGN='01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 33 33 33 33 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 0a 01 01 01 00 08 00 08 00 00 00 01'
# PE $12345678 with a life of 300 ms.
REG_SHORT='01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 12 34 56 78 00 00 ab cd 00 00 01 2c 00 04 00 10 00 07 00 01 00 01 00 08 7f 00 00 01 00 08 00 08 00 00 00 01'
DEREG='02 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 12 34 56 78'
HR='05 00 00 10 00 09 00 0c 45 63 68 6f 50 6f 6f 6c'
HR_NOPOOL='05 00 00 10 00 09 00 0a 4e 6f 50 6f 6f 6c 00 00'
KA_ACK='08 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 12 34 56 78'
EU='09 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 12 34 56 78'
