/* provenance: the CPU model from /proc/cpuinfo texts, and this machine's
 * facts against what the system says directly. */
#include "harness.h"

#include "sweepkit/json.h"
#include "sweepkit/provenance.h"

#include <stdlib.h>

#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static void test_cpu_parse(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        /* x86: the first processor's model name */
        {"processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n"
         "model\t\t: 1\nmodel name\t: AMD EPYC 7B13\nstepping\t: 0\n\n"
         "processor\t: 1\nmodel name\t: other\n",
         "AMD EPYC 7B13"},
        /* trailing blanks and CR trimmed */
        {"model name : Intel(R) Xeon(R) CPU @ 2.20GHz  \r\n",
         "Intel(R) Xeon(R) CPU @ 2.20GHz"},
        /* ARM boards name the hardware */
        {"processor\t: 0\nBogoMIPS\t: 108.00\nCPU part\t: 0xd08\n\n"
         "Hardware\t: BCM2835\n",
         "BCM2835"},
        /* POWER: "cpu", not "cpu family" or "cpu MHz" */
        {"processor\t: 0\ncpu MHz\t\t: 3000\ncpu\t\t: POWER9 (raw)\n",
         "POWER9 (raw)"},
        /* aarch64 servers often name nothing */
        {"processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n", ""},
        /* an empty value is no value */
        {"model name\t:\nHardware\t: X\n", "X"},
        {"", ""},
    };
    char buf[64], small[8];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sk_provenance_cpu_parse(buf, sizeof(buf), cases[i].text);
        CHECK_STR(buf, cases[i].want);
    }
    /* cut to the buffer, terminated */
    sk_provenance_cpu_parse(small, sizeof(small), cases[0].text);
    CHECK_STR(small, "AMD EPY");
}

static void test_this_machine(void)
{
    sk_provenance p;
    struct utsname u;
    char want[3 * sizeof(u.release) + 3];

    sk_provenance_init(&p);
    CHECK(uname(&u) == 0);
    snprintf(want, sizeof(want), "%s %s %s", u.sysname, u.release, u.machine);
    CHECK_STR(p.os, want);
    CHECK_INT(p.cores, sysconf(_SC_NPROCESSORS_ONLN));
    CHECK(memchr(p.cpu, '\0', sizeof(p.cpu)) != NULL);
    CHECK(strchr(p.cpu, '\n') == NULL);
}

/* The keys every JSON output starts with, and the date's two sources. */
static void test_json_head(void)
{
    sk_provenance p = {"Linux 6.1.0 x86_64", "AMD EPYC 7B13", 8};
    json_t *j;
    char *text, date[40];

    CHECK_INT(setenv("SOURCE_DATE_EPOCH", "86401", 1), 0);
    j = sk_provenance_json(&p, "sweepkit 9.9.9", "sweepkit stats x.csv", 0);
    text = sk_json_dumps(j, 1);
    CHECK_STR(text, "{\n  \"schema_version\": 1,\n  \"tool\": \"sweepkit "
                    "9.9.9\",\n  \"command\": \"sweepkit stats x.csv\",\n"
                    "  \"host\": {\"os\": \"Linux 6.1.0 x86_64\", \"cpu\": "
                    "\"AMD EPYC 7B13\", \"cores\": 8},\n  \"date\": "
                    "\"1970-01-02T00:00:01+0000\"\n}\n");
    free(text);
    json_decref(j);
    /* no command line: null */
    j = sk_provenance_json(&p, "sweepkit 9.9.9", NULL, 0);
    CHECK(json_is_null(json_object_get(j, "command")));
    json_decref(j);
    /* not a whole number of seconds: ignored, the time given is used */
    CHECK_INT(setenv("SOURCE_DATE_EPOCH", "12.5", 1), 0);
    sk_provenance_date(date, sizeof(date), 86400 * 365);
    CHECK(strncmp(date, "1970-12-31T", 11) == 0 ||
          strncmp(date, "1971-01-01T", 11) == 0);
    CHECK_INT(unsetenv("SOURCE_DATE_EPOCH"), 0);
    sk_provenance_date(date, sizeof(date), 0);
    CHECK_INT(strlen(date), 24); /* 1970-01-01T00:00:00+0000 in any zone */
    sk_provenance_date(date, 5, 0); /* does not fit: empty */
    CHECK_STR(date, "");
}

int main(void)
{
    test_cpu_parse();
    test_this_machine();
    test_json_head();
    return sk_test_done("provenance");
}
