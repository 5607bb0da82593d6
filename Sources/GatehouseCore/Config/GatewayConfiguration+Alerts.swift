extension GatewayConfiguration {
    /// `alerts:`: credential health events sent to the operator.
    public struct Alerts: Sendable {
        /// `alerts.webhook`: where events are POSTed, signed.
        public struct Webhook: Sendable {
            /// The receiver (`url`): http(s), no user info. It never gets a credential.
            public var url: BaseURL
            /// The signing key (`secret: env:NAME` or `vault:PATH`).
            public var secret: SecretReference
            /// The node of `secret`, for messages.
            public var secretNode: ConfigNode
            /// Tries per event before it is dropped (logged): `max_attempts`, 1 to 20, default 6.
            public var maxAttempts = 6
            /// The first retry's delay; each next one doubles, up to ``maxDelayMilliseconds``.
            public var retryDelayMilliseconds = 1_000
            /// The longest wait between tries (`max_retry_delay_ms`), default one minute.
            public var maxDelayMilliseconds = 60_000
            /// One try's time limit (`timeout_ms`), default 10 s.
            public var timeoutMilliseconds = 10_000
        }

        public var webhook: Webhook?
        /// How often connection health is looked at (`check_interval_ms`), default 1 s.
        public var checkIntervalMilliseconds = 1_000
    }

    /// `alerts: { webhook: { url, secret, max_attempts, retry_delay_ms, max_retry_delay_ms, timeout_ms },
    /// check_interval_ms }`.
    static func alerts(_ node: ConfigNode) throws(ConfigError) -> Alerts {
        var map = try node.map()
        var alerts = Alerts()
        if let interval = try map.int("check_interval_ms", in: 50...600_000) {
            alerts.checkIntervalMilliseconds = interval
        }
        if let webhookNode = map.node("webhook") {
            var hook = try webhookNode.map()
            let urlNode = try hook.required("url")
            let text = try urlNode.scalar(expecting: "a URL")
            guard let url = BaseURL(text) else {
                throw urlNode.error(
                    "\"\(text)\" is not an absolute http:// or https:// URL without user info or fragment")
            }
            let secretNode = try hook.required("secret")
            var webhook = Alerts.Webhook(url: url, secret: try ConfigMap.reference(secretNode), secretNode: secretNode)
            if let attempts = try hook.int("max_attempts", in: 1...20) { webhook.maxAttempts = attempts }
            if let delay = try hook.int("retry_delay_ms", in: 10...600_000) { webhook.retryDelayMilliseconds = delay }
            if let delay = try hook.int("max_retry_delay_ms", in: 10...3_600_000) {
                webhook.maxDelayMilliseconds = delay
            }
            if let timeout = try hook.int("timeout_ms", in: 100...600_000) { webhook.timeoutMilliseconds = timeout }
            if webhook.maxDelayMilliseconds < webhook.retryDelayMilliseconds {
                throw webhookNode.error("max_retry_delay_ms must be at least retry_delay_ms")
            }
            try hook.finish()
            alerts.webhook = webhook
        }
        try map.finish()
        return alerts
    }
}
