#include "CGatehouseOpenSSL.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

static int digest(const EVP_MD *md, const uint8_t *data, size_t length, uint8_t *out) {
    unsigned int size = 0;
    return EVP_Digest(data, length, out, &size, md, NULL);
}

int gh_sha256(const uint8_t *data, size_t length, uint8_t out[32]) { return digest(EVP_sha256(), data, length, out); }
int gh_md5(const uint8_t *data, size_t length, uint8_t out[16]) { return digest(EVP_md5(), data, length, out); }

int gh_hmac(int algorithm, const uint8_t *key, size_t key_length, const uint8_t *data, size_t length,
            uint8_t *out, unsigned int *out_length) {
    const EVP_MD *md = algorithm == 0 ? EVP_md5() : algorithm == 1 ? EVP_sha256() : EVP_sha512();
    static const uint8_t empty = 0;
    return HMAC(md, key_length ? key : &empty, (int)key_length, data, length, out, out_length) != NULL;
}

int gh_random_bytes(uint8_t *out, size_t length) { return RAND_bytes(out, (int)length) == 1; }

int gh_memcmp_equal(const uint8_t *a, const uint8_t *b, size_t length) { return CRYPTO_memcmp(a, b, length) == 0; }

int gh_aes256gcm_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_length,
                      const uint8_t *plaintext, size_t length, uint8_t *ciphertext, uint8_t tag[16]) {
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int ok = ctx != NULL, written = 0;
    ok = ok && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1;
    ok = ok && EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) == 1;
    ok = ok && (aad_length == 0 || EVP_EncryptUpdate(ctx, NULL, &written, aad, (int)aad_length) == 1);
    ok = ok && (length == 0 || EVP_EncryptUpdate(ctx, ciphertext, &written, plaintext, (int)length) == 1);
    ok = ok && EVP_EncryptFinal_ex(ctx, ciphertext + (length ? written : 0), &written) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

int gh_aes256gcm_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_length,
                      const uint8_t *ciphertext, size_t length, const uint8_t tag[16], uint8_t *plaintext) {
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int ok = ctx != NULL, written = 0;
    uint8_t tag_copy[16];
    for (int i = 0; i < 16; i++) tag_copy[i] = tag[i];
    ok = ok && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1;
    ok = ok && EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) == 1;
    ok = ok && (aad_length == 0 || EVP_DecryptUpdate(ctx, NULL, &written, aad, (int)aad_length) == 1);
    ok = ok && (length == 0 || EVP_DecryptUpdate(ctx, plaintext, &written, ciphertext, (int)length) == 1);
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag_copy) == 1;
    ok = ok && EVP_DecryptFinal_ex(ctx, plaintext + (length ? written : 0), &written) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}
