/**
 * @file tls.h
 * @brief proximo-sim: the server certificate (generated or loaded).
 */
#ifndef PXM_SIM_TLS_H
#define PXM_SIM_TLS_H

#include <stddef.h>

struct sim_cert {
	char	*cert_pem;
	char	*key_pem;
	char	 fingerprint[100];	/* "AB:CD:..." (SHA-256 of the DER) */
	char	 fingerprint_hex[65];
};

/** A fresh EC P-256 self-signed certificate for 127.0.0.1 / localhost. */
int	sim_cert_generate(struct sim_cert *c, char *err, size_t errlen);
/** Load a PEM certificate and key; the key file must be private (0600). */
int	sim_cert_load(struct sim_cert *c, const char *cert_file, const char *key_file,
	    char *err, size_t errlen);
void	sim_cert_free(struct sim_cert *c);

#endif
