/*
 * Provenance: what every JSON output says about where it came from
 * (docs/schema.md): the schema version of sweepkit's JSON, and the
 * machine that made it (OS, CPU model, cores).  The sweepkit version, the
 * command line and the date come from the caller.
 */
#ifndef SWEEPKIT_PROVENANCE_H
#define SWEEPKIT_PROVENANCE_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

/* The version of the JSON outputs' layout: raised when a key is renamed
 * or removed, or changes meaning (added keys do not raise it). */
#define SK_SCHEMA_VERSION 1

typedef struct {
    char os[192];  /* "Linux 6.1.0-18-amd64 x86_64" (uname), or "" */
    char cpu[192]; /* "AMD EPYC 7B13", "Apple M4 Max", or "" unknown */
    long cores;    /* processors online, or 0 unknown */
} sk_provenance;

/*
 * Fill `p` from this machine: uname(), the CPU model (Linux:
 * /proc/cpuinfo; macOS: sysctl machdep.cpu.brand_string) and the online
 * processor count.  A fact that cannot be read is left empty (0).
 * Never fails; thread-safe.
 */
void sk_provenance_init(sk_provenance *p);

/* The processors this process may run on (Linux: its affinity, as
 * taskset and cgroup cpusets set it), else those online; at least 1.
 * What "the cores available" means to chart drawing and collect
 * --threads auto. */
long sk_provenance_usable_cores(void);

/*
 * The CPU model named by the text of a /proc/cpuinfo: the first "model
 * name" (x86, most others), else "Hardware", else "cpu model" (MIPS) or
 * "cpu" (POWER), whitespace trimmed, at most cap - 1 bytes.  "" when
 * none is found.  (From a buffer so that tests need no such file.)
 */
void sk_provenance_cpu_parse(char *buf, size_t cap, const char *cpuinfo);

/*
 * `when` as "2026-12-03T14:05:00+0100" (local time with its UTC offset),
 * into buf ("" when it does not fit).  When the environment has
 * SOURCE_DATE_EPOCH (a whole number of seconds since 1970, the
 * reproducible-builds convention), that time is printed instead, in UTC,
 * so that an output can be made again byte for byte.
 */
void sk_provenance_date(char *buf, size_t cap, time_t when);

/*
 * The keys every JSON output of a command starts with, in this order
 * (docs/schema.md): schema_version, tool ("sweepkit X.Y.Z"), command (the
 * command line; null when NULL), host {os, cpu, cores}, date
 * (sk_provenance_date(when)).  A new object, or NULL when out of memory.
 */
json_t *sk_provenance_json(const sk_provenance *host, const char *tool,
                           const char *command, time_t when);

/* The machine alone, {os, cpu, cores}, as in sk_provenance_json() (the
 * collector's sidecar has it so); NULL when out of memory. */
json_t *sk_provenance_host_json(const sk_provenance *host);

#endif
