/* provenance: the CPU model from /proc/cpuinfo texts, and this machine's
 * facts against what the system says directly. */
#include "harness.h"

#include "sweepkit/provenance.h"

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

int main(void)
{
    test_cpu_parse();
    test_this_machine();
    return sk_test_done("provenance");
}
