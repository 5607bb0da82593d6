import GatehouseCore
import Synchronization

/// The field types of each class this connection has written in XML mode, read once from
/// `GET /Meta/{class}` and kept until K2 refuses a write of that class (the Meta may have changed).
final class K2MetaCache: Sendable {
    private let classes = Mutex([String: K2FieldTypes]())

    /// The cached types of `className`, if any.
    func types(of className: String) -> K2FieldTypes? {
        self.classes.withLock { $0[className.lowercased()] }
    }

    func store(_ types: K2FieldTypes, for className: String) {
        self.classes.withLock { $0[className.lowercased()] = types }
    }

    /// Drops `classNames` so that the next write reads their Meta again.
    func invalidate(_ classNames: [String]) {
        self.classes.withLock { classes in for name in classNames { classes[name.lowercased()] = nil } }
    }
}
