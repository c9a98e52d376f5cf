/* The readers of other tools' results (foreign.h): recognition by
 * content, and what a small result of each format becomes. */
#include "harness.h"

#include "sweepkit/error.h"
#include "sweepkit/foreign.h"

static void test_sniff(void)
{
    static const struct {
        const char *head;
        sk_foreign_format want;
    } cases[] = {
        {"{\"date\": \"x\", \"max_concurrency\": 4}", SK_FOREIGN_VLLM},
        {"\xEF\xBB\xBF  {\"output_throughput\" : 1}", SK_FOREIGN_VLLM},
        {",date,max_concurrency,output_throughput,mean_ttft_ms\n0,x,4,1,2\n",
         SK_FOREIGN_VLLM_SWEEP},
        {"Metric,avg,min,max\r\nTime To First Token (ms),1,2,3\r\n",
         SK_FOREIGN_GENAI_PERF},
        {"{\"time_to_first_token\": {\"unit\": \"ms\"}}",
         SK_FOREIGN_GENAI_PERF},
        {"{\"metadata\":{\"request_start_ns\":1}}\n", SK_FOREIGN_AIPERF},
        {"{\"aiperf_version\": \"0.10.0\"}", SK_FOREIGN_AIPERF},
        {"{\"metadata\": {}, \"config\": {}, \"benchmarks\": []}",
         SK_FOREIGN_GUIDELLM},
        /* not ours: sweepkit's CSV, other JSON, a key only as a value */
        {"concurrency,queries,throughput_tokens_per_s\n1,2,3\n",
         SK_FOREIGN_NONE},
        {"{\"name\": \"output_throughput\"}", SK_FOREIGN_NONE},
        {"[1, 2, 3]", SK_FOREIGN_NONE},
        {"", SK_FOREIGN_NONE},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_INT(sk_foreign_sniff(cases[i].head, strlen(cases[i].head)),
                  cases[i].want);
}

/* Read `text` named `name` wanting `w` into a string (NULL on error). */
static char *read(const char *name, const char *text, sk_foreign_want w)
{
    char *csv = NULL;
    size_t len = 0;

    if (sk_foreign_read_buffer(&csv, &len, name, text, strlen(text), w) != 0)
        return NULL;
    return csv;
}

static void test_vllm(void)
{
    /* Python writes bare Infinity for burstiness; "inf" for the rate */
    static const char run[] =
        "{\"request_rate\": \"inf\", \"burstiness\": Infinity, "
        "\"max_concurrency\": 2, \"num_prompts\": 3, \"duration\": 2.0, "
        "\"completed\": 2, \"failed\": 1, \"total_output_tokens\": 20, "
        "\"output_throughput\": 10.0, \"mean_ttft_ms\": 18.0, "
        "\"mean_tpot_ms\": 9.5, "
        "\"ttfts\": [0.1, 0.2, 0.0], \"output_lens\": [11, 9, 0], "
        "\"latencies\": [1.1, 1.0, 0.0], \"start_times\": [50.0, 50.5, 51.0], "
        "\"errors\": [\"\", \"\", \"Internal Server Error\"]}";
    char *csv;

    csv = read("r.json", run, SK_FOREIGN_SUMMARY);
    CHECK_STR(csv,
              "concurrency,queries,wall_s,total_output_tokens,"
              "throughput_tokens_per_s,avg_ttft_s,errors,"
              "achieved_concurrency,source_format,vllm_mean_tpot_s\n"
              "2,3,2,20,10,0.018,1,1.05,vLLM bench serve result,0.0095\n");
    free(csv);
    /* the per-request arrays: speeds by sweepkit's definitions, times
     * from the first send, the failure with its reason and no metrics */
    csv = read("r.json", run, SK_FOREIGN_QUERIES);
    CHECK_STR(csv,
              "concurrency,ttft_s,output_tokens,tokens_per_s,"
              "decode_tokens_per_s,start_s,end_s,input_tokens,error\n"
              "2,0.1,11,10,10,0,1.1,,\n"
              "2,0.2,9,9,10,0.5,1.5,,\n"
              "2,,,,,,,,Internal Server Error\n");
    free(csv);
    /* an open-loop run: listed apart, refused as a level */
    csv = read("o.json",
               "{\"request_rate\": 4.0, \"max_concurrency\": null, "
               "\"duration\": 1.0, \"completed\": 4, "
               "\"output_throughput\": 40.0}",
               SK_FOREIGN_SUMMARY);
    CHECK_STR(csv, "concurrency,queries,wall_s,throughput_tokens_per_s,"
                   "request_rate,source_format\n"
                   ",4,1,40,4,vLLM bench serve result\n");
    free(csv);
    CHECK(read("o.json",
               "{\"request_rate\": 4.0, \"duration\": 1.0, "
               "\"completed\": 4, \"output_throughput\": 40.0}",
               SK_FOREIGN_SWEEP) == NULL);
    CHECK_STR(sk_error_last(),
              "o.json: an open-loop run (request rate 4/s, no concurrency "
              "cap) is no level of a concurrency sweep: `sweepkit top` lists "
              "it and `sweepkit plot --kind rate` charts it against request "
              "rate (docs/formats.md)");
}

static void test_genai_perf(void)
{
    /* thousands in quotes, CRLF, the concurrency in the directory name */
    static const char csv_in[] =
        "Metric,avg,min,max,p99,p90,p50\r\n"
        "Time To First Token (ms),\"1,146.50\",1.00,2.00,3.00,2.50,1.50\r\n"
        "Output Token Throughput Per User (tokens/sec/user),50.00,1,2,3,4,"
        "49.00\r\n"
        "\r\n"
        "Metric,Value\r\n"
        "Output Token Throughput (tokens/sec),\"1,234.56\"\r\n"
        "Request Count (count),10.00\r\n";
    char *csv = read("a/m-openai-chat-concurrency16/p.csv", csv_in,
                     SK_FOREIGN_SUMMARY);

    CHECK_STR(csv, "concurrency,queries,throughput_tokens_per_s,avg_ttft_s,"
                   "median_ttft_s,p90_ttft_s,avg_decode_tokens_per_s,"
                   "median_decode_tokens_per_s,p90_decode_tokens_per_s,"
                   "p99_ttft_s,source_format\n"
                   "16,10,1234.56,1.1465,0.0015,0.0025,50,49,4,0.003,"
                   "GenAI-Perf profile export\n");
    free(csv);
    CHECK(read("p.csv", csv_in, SK_FOREIGN_SUMMARY) == NULL);
    CHECK(strstr(sk_error_last(), "p.csv: GenAI-Perf profile export: the "
                                  "concurrency is neither") != NULL);
}

int main(void)
{
    test_sniff();
    test_vllm();
    test_genai_perf();
    return sk_test_done("foreign");
}
