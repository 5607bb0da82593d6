#include "CGatehouseOpenSSL.h"

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <string.h>

/* libcrypto takes `int` lengths for ciphers and RAND_bytes; larger inputs go through in chunks of this size. */
#define GH_CHUNK ((size_t)1 << 30)

/* Algorithms fetched once and kept for the life of the process (a NULL entry: not available). */
static CRYPTO_ONCE fetch_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *md_md5, *md_sha256, *md_sha512;
static EVP_MAC *mac_hmac;
static EVP_CIPHER *cipher_aes256gcm;

static void fetch_algorithms(void) {
    md_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    md_sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
    mac_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    cipher_aes256gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

static int fetched(void) { return CRYPTO_THREAD_run_once(&fetch_once, fetch_algorithms); }

static const EVP_MD *md_for(gh_hash hash) {
    if (!fetched()) return NULL;
    switch (hash) {
    case GH_HASH_MD5: return md_md5;
    case GH_HASH_SHA256: return md_sha256;
    case GH_HASH_SHA512: return md_sha512;
    }
    return NULL;
}

/* A valid pointer for zero-length inputs: some libcrypto paths reject NULL even with length 0. */
static const uint8_t empty_input = 0;
#define NONNULL(p) ((p) != NULL ? (const void *)(p) : (const void *)&empty_input)

int gh_digest(gh_hash hash, const void *data, size_t length, uint8_t *out, size_t out_size) {
    const EVP_MD *md = md_for(hash);
    unsigned int written = 0;
    if (md == NULL || out == NULL || (size_t)EVP_MD_get_size(md) != out_size) return 0;
    return EVP_Digest(NONNULL(data), length, out, &written, md, NULL) == 1 && written == out_size;
}

int gh_hmac(gh_hash hash, const void *key, size_t key_length, const void *data, size_t length, uint8_t *out,
            size_t out_size) {
    const EVP_MD *md = md_for(hash);
    if (md == NULL || mac_hmac == NULL || out == NULL || (size_t)EVP_MD_get_size(md) != out_size) return 0;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac_hmac);
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0),
        OSSL_PARAM_construct_end(),
    };
    size_t written = 0;
    int ok = ctx != NULL && EVP_MAC_init(ctx, NONNULL(key), key_length, params) == 1 &&
             EVP_MAC_update(ctx, NONNULL(data), length) == 1 && EVP_MAC_final(ctx, out, &written, out_size) == 1 &&
             written == out_size;
    EVP_MAC_CTX_free(ctx);
    return ok;
}

int gh_random_bytes(uint8_t *out, size_t length) {
    while (length > 0) {
        size_t chunk = length < GH_CHUNK ? length : GH_CHUNK;
        if (RAND_bytes(out, (int)chunk) != 1) return 0;
        out += chunk;
        length -= chunk;
    }
    return 1;
}

int gh_equal(const void *a, const void *b, size_t length) {
    return length == 0 || CRYPTO_memcmp(a, b, length) == 0;
}

/* Feeds `length` bytes through the cipher; `out` NULL for additional authenticated data. */
static int cipher_update(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in, size_t length) {
    while (length > 0) {
        size_t chunk = length < GH_CHUNK ? length : GH_CHUNK;
        int written = 0;
        if (EVP_CipherUpdate(ctx, out, &written, in, (int)chunk) != 1) return 0;
        if (out != NULL) {
            if ((size_t)written != chunk) return 0; /* GCM is a stream mode: output matches input */
            out += chunk;
        }
        in += chunk;
        length -= chunk;
    }
    return 1;
}

/* A GCM context keyed for `encrypt` (1) or decrypt (0), with `aad` already absorbed; NULL on failure. */
static EVP_CIPHER_CTX *gcm_context(int encrypt, const uint8_t *key, const uint8_t *nonce, const void *aad,
                                   size_t aad_length) {
    if (!fetched() || cipher_aes256gcm == NULL || key == NULL || nonce == NULL) return NULL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int ok = ctx != NULL && EVP_CipherInit_ex2(ctx, cipher_aes256gcm, NULL, NULL, encrypt, NULL) == 1 &&
             EVP_CIPHER_CTX_get_key_length(ctx) == 32 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
             EVP_CipherInit_ex2(ctx, NULL, key, nonce, encrypt, NULL) == 1 &&
             cipher_update(ctx, NULL, aad, aad_length);
    if (!ok) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int gh_aes256gcm_seal(const uint8_t *key, const uint8_t *nonce, const void *aad, size_t aad_length,
                      const void *plaintext, size_t length, uint8_t *ciphertext, uint8_t *tag) {
    if (tag == NULL || (length > 0 && (plaintext == NULL || ciphertext == NULL))) return 0;
    EVP_CIPHER_CTX *ctx = gcm_context(1, key, nonce, aad, aad_length);
    uint8_t final_block[16];
    int written = 0;
    int ok = ctx != NULL && cipher_update(ctx, ciphertext, plaintext, length) &&
             EVP_CipherFinal_ex(ctx, final_block, &written) == 1 && written == 0 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        if (length > 0) OPENSSL_cleanse(ciphertext, length);
        OPENSSL_cleanse(tag, 16);
    }
    return ok;
}

int gh_aes256gcm_open(const uint8_t *key, const uint8_t *nonce, const void *aad, size_t aad_length,
                      const void *ciphertext, size_t length, const uint8_t *tag, uint8_t *plaintext) {
    if (tag == NULL || (length > 0 && (ciphertext == NULL || plaintext == NULL))) return -1;
    EVP_CIPHER_CTX *ctx = gcm_context(0, key, nonce, aad, aad_length);
    uint8_t expected_tag[16], final_block[16];
    memcpy(expected_tag, tag, 16); /* SET_TAG takes a non-const pointer */
    int written = 0, result = -1;
    if (ctx != NULL && cipher_update(ctx, plaintext, ciphertext, length) &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, expected_tag) == 1) {
        /* Final is where the tag is checked: its failure is an authentication failure. */
        result = EVP_CipherFinal_ex(ctx, final_block, &written) == 1 && written == 0 ? 1 : 0;
    }
    EVP_CIPHER_CTX_free(ctx);
    if (result != 1 && length > 0) OPENSSL_cleanse(plaintext, length);
    return result;
}
