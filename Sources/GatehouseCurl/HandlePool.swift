import GatehouseCore

/// Idle easy handles by the options they are configured for, at most `limit` in all.
struct HandlePool {
    static let limit = 512
    private var handles: [TransportOptions: [EasyHandle]] = [:]
    private var count = 0

    mutating func take(for options: TransportOptions) -> EasyHandle? {
        guard let handle = self.handles[options]?.popLast() else { return nil }
        self.count -= 1
        return handle
    }

    /// `false` when the pool is full (the caller frees the handle).
    mutating func put(_ handle: EasyHandle, for options: TransportOptions) -> Bool {
        guard self.count < Self.limit else { return false }
        self.handles[options, default: []].append(handle)
        self.count += 1
        return true
    }

    mutating func drain() -> [EasyHandle] {
        defer { self.handles.removeAll(); self.count = 0 }
        return self.handles.values.flatMap { $0 }
    }
}
