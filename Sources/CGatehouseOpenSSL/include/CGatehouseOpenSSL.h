#ifndef CGATEHOUSE_OPENSSL_H
#define CGATEHOUSE_OPENSSL_H
#include <stddef.h>
#include <stdint.h>

/* Typed shims over OpenSSL's libcrypto. Each returns 1 on success, 0 on failure. */
int gh_sha256(const uint8_t *data, size_t length, uint8_t out[32]);
int gh_md5(const uint8_t *data, size_t length, uint8_t out[16]);
/* algorithm: 0 = MD5, 1 = SHA-256, 2 = SHA-512; out must hold 64 bytes; *out_length receives the size. */
int gh_hmac(int algorithm, const uint8_t *key, size_t key_length, const uint8_t *data, size_t length,
            uint8_t *out, unsigned int *out_length);
int gh_random_bytes(uint8_t *out, size_t length);
int gh_memcmp_equal(const uint8_t *a, const uint8_t *b, size_t length);
int gh_aes256gcm_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_length,
                      const uint8_t *plaintext, size_t length, uint8_t *ciphertext, uint8_t tag[16]);
int gh_aes256gcm_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_length,
                      const uint8_t *ciphertext, size_t length, const uint8_t tag[16], uint8_t *plaintext);
#endif
