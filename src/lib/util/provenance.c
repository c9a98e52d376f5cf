/* Provenance: the machine a JSON output was made on (provenance.h). */
#ifdef __linux__
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#endif
#include "sweepkit/provenance.h"

#include "sweepkit/json.h"
#include "sweepkit/num.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif
#ifdef __APPLE__
#include <sys/sysctl.h>
#endif

/* The value of the first line "KEY<blanks>: VALUE" in `text`, trimmed,
 * into buf; 0 when there is none. */
static int field(char *buf, size_t cap, const char *text, const char *key)
{
    size_t klen = strlen(key);
    const char *line, *next;

    for (line = text; *line; line = next) {
        const char *p = line + klen, *end;

        next = line + strcspn(line, "\n");
        next += *next == '\n';

        if (strncmp(line, key, klen) != 0)
            continue;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != ':')
            continue;
        for (p++; *p == ' ' || *p == '\t'; p++)
            ;
        end = p + strcspn(p, "\n");
        while (end > p &&
               (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
            end--;
        if (end == p)
            continue;
        snprintf(buf, cap, "%.*s", (int)(end - p), p);
        return 1;
    }
    return 0;
}

void sk_provenance_cpu_parse(char *buf, size_t cap, const char *cpuinfo)
{
    static const char *const keys[] = {"model name", "Hardware", "cpu model",
                                       "cpu"};
    size_t i;

    if (cap)
        buf[0] = '\0';
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && cap; i++)
        if (field(buf, cap, cpuinfo, keys[i]))
            return;
}

/* The first 64 KiB of /proc/cpuinfo hold the first processor's lines. */
static void cpu_model(char *buf, size_t cap)
{
#ifdef __APPLE__
    size_t n = cap;

    if (sysctlbyname("machdep.cpu.brand_string", buf, &n, NULL, 0) != 0)
        buf[0] = '\0';
#else
    char *text = malloc(65536);
    FILE *fp = fopen("/proc/cpuinfo", "r");
    size_t n = 0;

    buf[0] = '\0';
    if (text && fp) {
        n = fread(text, 1, 65535, fp);
        text[n] = '\0';
        sk_provenance_cpu_parse(buf, cap, text);
    }
    if (fp)
        fclose(fp);
    free(text);
#endif
}

long sk_provenance_usable_cores(void)
{
    long n;
#ifdef __linux__
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
#endif
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

void sk_provenance_init(sk_provenance *p)
{
    struct utsname u;
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    memset(p, 0, sizeof(*p));
    if (uname(&u) == 0)
        snprintf(p->os, sizeof(p->os), "%.60s %.60s %.60s", u.sysname,
                 u.release, u.machine);
    cpu_model(p->cpu, sizeof(p->cpu));
    p->cores = n > 0 ? n : 0;
}

void sk_provenance_date(char *buf, size_t cap, time_t when)
{
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    struct tm tm;
    double v;

    if (epoch && *epoch && sk_num_parse(&v, epoch, strlen(epoch)) == 0 &&
        v >= 0 && v < 253402300800.0 && v == (double)(long long)v) {
        when = (time_t)v;
        gmtime_r(&when, &tm);
    } else {
        localtime_r(&when, &tm);
    }
    if (strftime(buf, cap, "%Y-%m-%dT%H:%M:%S%z", &tm) == 0 && cap)
        buf[0] = '\0';
}

json_t *sk_provenance_json(const sk_provenance *host, const char *tool,
                           const char *command, time_t when)
{
    char date[40];

    sk_provenance_date(date, sizeof(date), when);
    return json_pack("{s:i, s:o, s:o, s:o, s:o}", "schema_version",
                     SK_SCHEMA_VERSION, "tool", sk_json_string(tool),
                     "command", sk_json_string(command), "host",
                     sk_provenance_host_json(host), "date",
                     sk_json_string(date));
}

json_t *sk_provenance_host_json(const sk_provenance *host)
{
    return json_pack("{s:o, s:o, s:I}", "os", sk_json_string(host->os),
                     "cpu", sk_json_string(host->cpu), "cores",
                     (json_int_t)host->cores);
}
