/* The hot loop of the ZipCrypto password search, at native speed.
 *
 * search(prefix, charset, suffix_len, headers, checks) tries every password
 * prefix + s for s in charset**suffix_len and returns those whose decrypted
 * 12-byte encryption header ends with the expected check byte for EVERY entry
 * given (headers: n * 12 bytes, checks: n bytes). The GIL is released for the
 * whole call: callers run one call per thread, one prefix per call.
 *
 * Why it is fast: the key state after the prefix and after each middle
 * character is computed once and reused; the candidates for the last two
 * characters (36 * 36 = 1296 of them) are processed as independent lanes, byte
 * by byte through the header, so vector gathers and the CPU's out-of-order
 * engine overlap them instead of waiting on one long dependency chain (about 13
 * key updates, each a CRC table lookup, a multiply and another lookup) per
 * password.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_CHARSET 256
#define MAX_SUFFIX 8
#define HEADER 12

static uint32_t crc_table[256];

#define CRC(c, b) (((c) >> 8) ^ crc_table[((c) ^ (b)) & 0xffu])
#define MULT 134775813u

typedef struct {
    uint32_t k0, k1, k2;
} keys_t;

static inline keys_t update(keys_t k, uint8_t b)
{
    k.k0 = CRC(k.k0, b);
    k.k1 = (k.k1 + (k.k0 & 0xffu)) * MULT + 1u;
    k.k2 = CRC(k.k2, k.k1 >> 24);
    return k;
}

static inline uint8_t stream_byte(uint32_t k2)
{
    uint32_t t = (k2 | 2u) & 0xffffu;
    return (uint8_t)((t * (t ^ 1u)) >> 8);
}

/* Whether the keys after a full password decrypt header to end with check. */
static int header_matches(keys_t k, const uint8_t *header, uint8_t check)
{
    for (int i = 0; i < HEADER - 1; i++)
        k = update(k, header[i] ^ stream_byte(k.k2));
    return (uint8_t)(header[HEADER - 1] ^ stream_byte(k.k2)) == check;
}

#define MAX_LANES 4096

/* Every lane (one candidate each: the key state after its whole password) through the
 * first entry's header, one header byte for all lanes at a time: the lanes are
 * independent, so the compiler vectorises them (gathers for the CRC table) and the CPU
 * overlaps them. The states are updated in place; passed[l] says whether lane l's check
 * byte matched. Compiled for AVX-512, AVX2 and baseline x86-64, picked at load time. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
static void lanes(uint32_t *restrict a0, uint32_t *restrict a1, uint32_t *restrict a2, int count,
                  const uint8_t *restrict header0,
                  uint8_t check0, uint8_t *restrict passed)
{
    for (int b = 0; b < HEADER - 1; b++) {
        uint8_t c = header0[b];
        for (int l = 0; l < count; l++) {
            uint32_t t = (a2[l] | 2u) & 0xffffu;
            uint8_t plain = c ^ (uint8_t)((t * (t ^ 1u)) >> 8);
            uint32_t k0 = CRC(a0[l], plain);
            uint32_t k1 = (a1[l] + (k0 & 0xffu)) * MULT + 1u;
            a0[l] = k0;
            a1[l] = k1;
            a2[l] = CRC(a2[l], k1 >> 24);
        }
    }
    for (int l = 0; l < count; l++) {
        uint32_t t = (a2[l] | 2u) & 0xffffu;
        passed[l] = (uint8_t)(header0[HEADER - 1] ^ (uint8_t)((t * (t ^ 1u)) >> 8)) == check0;
    }
}

/* The search itself, without the GIL. Found passwords go to out (each
 * plen bytes), at most max_out of them; returns how many matched (possibly
 * more than max_out). */
static Py_ssize_t search_nogil(const uint8_t *prefix, Py_ssize_t prefix_len,
                               const uint8_t *charset, int n, int suffix_len,
                               const uint8_t *headers, const uint8_t *checks,
                               Py_ssize_t entries, uint8_t *out, Py_ssize_t max_out)
{
    keys_t level[MAX_SUFFIX + 1];
    int digit[MAX_SUFFIX];
    uint8_t password[MAX_SUFFIX + 256];
    uint32_t a0[MAX_LANES], a1[MAX_LANES], a2[MAX_LANES];
    uint8_t passed[MAX_LANES];
    Py_ssize_t plen = prefix_len + suffix_len, found = 0;
    /* The last one or two characters are lanes (two when they fit: more lanes, better
     * vectors); the characters between the prefix and them form an odometer. */
    int width = (suffix_len >= 2 && n * n <= MAX_LANES) ? 2 : 1;
    int count = width == 2 ? n * n : n;
    int middle = suffix_len - width;

    keys_t k = {0x12345678u, 0x23456789u, 0x34567890u};
    for (Py_ssize_t i = 0; i < prefix_len; i++) {
        k = update(k, prefix[i]);
        password[i] = prefix[i];
    }
    level[0] = k;
    for (int d = 0; d < middle; d++) {
        digit[d] = 0;
        password[prefix_len + d] = charset[0];
        level[d + 1] = update(level[d], charset[0]);
    }
    for (;;) {
        keys_t base = level[middle];
        if (width == 2) {
            int l = 0;
            for (int i = 0; i < n; i++) {
                keys_t q = update(base, charset[i]);
                for (int j = 0; j < n; j++, l++) {
                    keys_t lane = update(q, charset[j]);
                    a0[l] = lane.k0;
                    a1[l] = lane.k1;
                    a2[l] = lane.k2;
                }
            }
        } else {
            for (int l = 0; l < count; l++) {
                keys_t lane = update(base, charset[l]);
                a0[l] = lane.k0;
                a1[l] = lane.k1;
                a2[l] = lane.k2;
            }
        }
        lanes(a0, a1, a2, count, headers, checks[0], passed);
        for (int l = 0; l < count; l++) {
            if (!passed[l])
                continue;
            if (width == 2) {
                password[plen - 2] = charset[l / n];
                password[plen - 1] = charset[l % n];
            } else {
                password[plen - 1] = charset[l];
            }
            keys_t full = base;
            for (int w = width; w > 0; w--)
                full = update(full, password[plen - w]);
            int all = 1;
            for (Py_ssize_t e = 1; e < entries && all; e++)
                all = header_matches(full, headers + HEADER * e, checks[e]);
            if (all) {
                if (found < max_out)
                    memcpy(out + found * plen, password, (size_t)plen);
                found++;  /* counted past max_out, so the caller knows some were lost */
            }
        }
        /* Next middle characters, odometer style, recomputing only what changed. */
        int d = middle - 1;
        while (d >= 0 && digit[d] == n - 1)
            d--;
        if (d < 0)
            break;
        digit[d]++;
        for (int j = d; j < middle; j++) {
            if (j > d)
                digit[j] = 0;
            password[prefix_len + j] = charset[digit[j]];
            level[j + 1] = update(level[j], charset[digit[j]]);
        }
    }
    return found;
}

#define MAX_FOUND 4096

static PyObject *py_search(PyObject *self, PyObject *args)
{
    Py_buffer prefix, charset, headers, checks;
    int suffix_len;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*y*iy*y*", &prefix, &charset, &suffix_len, &headers, &checks))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t entries = checks.len;
    if (charset.len < 1 || charset.len > MAX_CHARSET) {
        PyErr_SetString(PyExc_ValueError, "the charset must hold 1 to 256 bytes");
    } else if (suffix_len < 1 || suffix_len > MAX_SUFFIX) {
        PyErr_SetString(PyExc_ValueError, "suffix_len must be 1 to 8");
    } else if (prefix.len > 255) {
        PyErr_SetString(PyExc_ValueError, "the prefix must hold at most 255 bytes");
    } else if (entries < 1 || headers.len != entries * HEADER) {
        PyErr_SetString(PyExc_ValueError, "headers must be 12 bytes per check byte, at least one");
    } else {
        Py_ssize_t plen = prefix.len + suffix_len;
        uint8_t *out = PyMem_RawMalloc((size_t)(plen * MAX_FOUND));
        if (out == NULL) {
            PyErr_NoMemory();
        } else {
            Py_ssize_t found;
            Py_BEGIN_ALLOW_THREADS
            found = search_nogil(prefix.buf, prefix.len, charset.buf, (int)charset.len,
                                 suffix_len, headers.buf, checks.buf, entries, out, MAX_FOUND);
            Py_END_ALLOW_THREADS
            if (found > MAX_FOUND) {
                PyMem_RawFree(out);
                out = NULL;
                PyErr_SetString(PyExc_OverflowError,
                                "more than 4096 passwords matched: search a smaller space per call");
                found = 0;
            }
            result = out == NULL ? NULL : PyList_New(found);
            for (Py_ssize_t i = 0; result != NULL && i < found; i++) {
                PyObject *item = PyBytes_FromStringAndSize((const char *)out + i * plen, plen);
                if (item == NULL) {
                    Py_CLEAR(result);
                    break;
                }
                PyList_SET_ITEM(result, i, item);
            }
            PyMem_RawFree(out);
        }
    }
    PyBuffer_Release(&prefix);
    PyBuffer_Release(&charset);
    PyBuffer_Release(&headers);
    PyBuffer_Release(&checks);
    return result;
}

static PyMethodDef methods[] = {
    {"search", py_search, METH_VARARGS,
     "search(prefix, charset, suffix_len, headers, checks) -> list[bytes]\n\n"
     "Every password prefix + s, s in charset**suffix_len, whose decrypted 12-byte\n"
     "header ends with checks[i] for every entry i (headers: 12 bytes each).\n"
     "Releases the GIL."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_zipcrypto", "ZipCrypto password search at native speed.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__zipcrypto(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int j = 0; j < 8; j++)
            c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        crc_table[i] = c;
    }
    return PyModule_Create(&module);
}
