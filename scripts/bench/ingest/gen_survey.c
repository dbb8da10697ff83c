/* Seeded generator of a realistic survey export for the ingest benchmark.
 * Usage: gen_survey ROWS SEED > file.csv
 * 60 columns: ids with leading zeros, design columns (weight, stratum, cluster, fpc), dates,
 * 40 Likert items with missing codes, numbers (some with thousands separators, quoted),
 * categorical answers and free text with quotes, commas and line breaks. CRLF records, minimal
 * quoting (RFC 4180), like a Qualtrics/Excel CSV. Deterministic for a given SEED (xorshift64*). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static uint64_t state;
static uint64_t rnd(void) { state ^= state >> 12; state ^= state << 25; state ^= state >> 27; return state * 2685821657736338717ULL; }
static unsigned pick(unsigned n) { return (unsigned)(rnd() % n); }

static const char *wards[] = {"Central", "Eastside", "North Park", "Riverside", "Old Town", "St. Mary's"};
static const char *likert_missing[] = {"-99", "Don't know", ""};
static const char *phrases[] = {
    "Staff were kind", "the room was cold", "more \"quiet\" space please", "opening hours, weekends",
    "Wi-Fi kept dropping", "great for the kids", "bus is late; often", "thank you", "no comment",
    "parking, toilets, signage", "Café was closed", "lovely volunteers", "need more laptops",
};

/* Writes one field with minimal quoting. */
static void field(const char *s, int last) {
    int q = strpbrk(s, ",\"\r\n") != NULL;
    if (q) {
        putchar('"');
        for (const char *p = s; *p; p++) { if (*p == '"') putchar('"'); putchar(*p); }
        putchar('"');
    } else fputs(s, stdout);
    if (last) fputs("\r\n", stdout); else putchar(',');
}

static void freetext(char *buf, size_t n) {
    buf[0] = 0;
    unsigned parts = 1 + pick(4);
    for (unsigned i = 0; i < parts; i++) {
        const char *p = phrases[pick(sizeof phrases / sizeof *phrases)];
        if (strlen(buf) + strlen(p) + 4 >= n) break;
        if (i) strcat(buf, pick(5) == 0 ? "\n" : pick(2) ? ", " : ". ");
        strcat(buf, p);
    }
}

int main(int argc, char **argv) {
    long rows = argc > 1 ? atol(argv[1]) : 1000000;
    state = (argc > 2 ? strtoull(argv[2], NULL, 10) : 42) * 0x9E3779B97F4A7C15ULL + 1;
    static char out[1 << 16];
    setvbuf(stdout, out, _IOFBF, sizeof out);
    /* header: 60 names */
    fputs("resp_id,weight,stratum,cluster,fpc,wave,start_date,end_date,ward,age", stdout);
    for (int i = 1; i <= 40; i++) printf(",q%d", i);
    fputs(",visits,spend_gbp,income_band,consent,postcode,visit_date,comment1,comment2,comment3,email\r\n", stdout);
    char buf[512], text[256];
    for (long r = 0; r < rows; r++) {
        snprintf(buf, sizeof buf, "%07ld", r + 1); field(buf, 0);
        snprintf(buf, sizeof buf, "%.6f", 50.0 + (double)pick(100000) / 100.0); field(buf, 0);
        unsigned stratum = pick(12);
        snprintf(buf, sizeof buf, "S%02u", stratum + 1); field(buf, 0);
        snprintf(buf, sizeof buf, "%u", stratum * 100 + pick(20)); field(buf, 0);
        snprintf(buf, sizeof buf, "%u", 400 + stratum * 10); field(buf, 0);
        snprintf(buf, sizeof buf, "%u", 1 + pick(2)); field(buf, 0);
        unsigned d = 1 + pick(28), m = 1 + pick(12), h = pick(24), mi = pick(60);
        snprintf(buf, sizeof buf, "2024-%02u-%02u %02u:%02u:%02u", m, d, h, mi, pick(60)); field(buf, 0);
        snprintf(buf, sizeof buf, "2024-%02u-%02u %02u:%02u:%02u", m, d, h, (mi + 7) % 60, pick(60)); field(buf, 0);
        field(wards[pick(6)], 0);
        snprintf(buf, sizeof buf, "%u", 16 + pick(75)); field(buf, 0);
        for (int i = 0; i < 40; i++) {
            if (pick(10) == 0) field(likert_missing[pick(3)], 0);
            else { snprintf(buf, sizeof buf, "%u", 1 + pick(5)); field(buf, 0); }
        }
        snprintf(buf, sizeof buf, "%u", pick(30)); field(buf, 0);
        unsigned spend = pick(500000);
        if (spend >= 100000) snprintf(buf, sizeof buf, "%u,%03u.%02u", spend / 100000, (spend / 100) % 1000, spend % 100);
        else snprintf(buf, sizeof buf, "%u.%02u", spend / 100, spend % 100);
        field(buf, 0);
        snprintf(buf, sizeof buf, "Band %c", 'A' + pick(6)); field(buf, 0);
        field(pick(20) ? "yes" : "no", 0);
        snprintf(buf, sizeof buf, "BS%u %u%c%c", 1 + pick(16), pick(10), 'A' + pick(26), 'A' + pick(26)); field(buf, 0);
        snprintf(buf, sizeof buf, "%02u/%02u/2024", d, m); field(buf, 0);
        for (int i = 0; i < 3; i++) {
            if (pick(3) == 0) field("", 0); else { freetext(text, sizeof text); field(text, 0); }
        }
        snprintf(buf, sizeof buf, "user%07ld@example.org", r + 1); field(buf, 1);
    }
    return 0;
}
