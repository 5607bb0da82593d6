#ifndef CGATEHOUSE_OPENSSL_H
#define CGATEHOUSE_OPENSSL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

/*
 * Typed shims over OpenSSL's libcrypto for GatehouseCrypto (the only importer of this module).
 *
 * Swift cannot call OpenSSL's macros, variadic functions or OSSL_PARAM builders comfortably, and
 * libcrypto takes `int` lengths in places; these shims take `size_t` lengths (no silent truncation),
 * fixed output sizes, and accept NULL for any zero-length input. Algorithms are fetched once per
 * process and reused, which avoids OpenSSL 3's per-call implicit fetch.
 */

/* A hash function, for digests and HMAC. */
typedef enum gh_hash { GH_HASH_MD5 = 0, GH_HASH_SHA256 = 1, GH_HASH_SHA512 = 2 } gh_hash;

/* Digest of `data` into `out`; 1 on success, 0 when `out_size` is not the digest size or libcrypto fails. */
int gh_digest(gh_hash hash, const void *data, size_t length, uint8_t *out, size_t out_size);

/* HMAC of `data` under `key` into `out`; 1 on success, 0 when `out_size` is not the MAC size or libcrypto fails. */
int gh_hmac(gh_hash hash, const void *key, size_t key_length, const void *data, size_t length, uint8_t *out,
            size_t out_size);

/* `length` bytes from OpenSSL's CSPRNG; 1 on success, 0 when the generator failed. */
int gh_random_bytes(uint8_t *out, size_t length);

/* 1 when the two buffers are equal, 0 otherwise; the time taken depends only on `length`. */
int gh_equal(const void *a, const void *b, size_t length);

/* AES-256-GCM with a 32-byte key, 12-byte nonce and 16-byte tag; `ciphertext` holds `length` bytes.
   1 on success, 0 on failure. */
int gh_aes256gcm_seal(const uint8_t *key, const uint8_t *nonce, const void *aad, size_t aad_length,
                      const void *plaintext, size_t length, uint8_t *ciphertext, uint8_t *tag);

/* Verifies and decrypts; `plaintext` holds `length` bytes. 1 on success, 0 when authentication failed,
   -1 when libcrypto failed. On any failure `plaintext` is wiped, so unauthenticated data never escapes. */
int gh_aes256gcm_open(const uint8_t *key, const uint8_t *nonce, const void *aad, size_t aad_length,
                      const void *ciphertext, size_t length, const uint8_t *tag, uint8_t *plaintext);

#endif
