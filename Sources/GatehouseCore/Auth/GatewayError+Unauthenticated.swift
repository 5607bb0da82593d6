extension GatewayError {
    /// The one 401 every refused caller gets, whatever was wrong: no credentials, a malformed
    /// header, an unknown key, an unknown client prefix, a token the validator refused. A caller
    /// probing the gateway learns nothing about which part was wrong or which prefixes exist.
    public static var unauthenticatedCaller: GatewayError {
        GatewayError(
            .unauthenticated,
            """
            the request has no valid credentials: send Authorization: Bearer {key}, or a token with the client \
            prefix header of its validator
            """
        )
    }

    /// The one 503 a caller gets when its credentials could not be checked right now (a token
    /// validator down, slow or overloaded; an admin token that cannot be read). It names no
    /// connection, environment variable or vault path: those are for the gateway log.
    public static var credentialsUncheckable: GatewayError {
        GatewayError(.unavailable, "the credentials could not be checked right now; try again later")
    }
}
