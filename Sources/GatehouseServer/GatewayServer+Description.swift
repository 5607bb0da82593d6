extension GatewayServer: CustomStringConvertible {
    /// What swift-service-lifecycle prints when it logs this service (at `debug`): the name only.
    /// The reflected default walks into the gateway and prints every connection's secret
    /// source, environment values included.
    public var description: String { "GatewayServer" }
}
