/// An adapter's operations, each described and bound to the code that performs it: the one
/// list that dispatches, validates and documents.
///
/// ```swift
/// extension EchoAdapter {
///     static let table = OperationTable<EchoAdapter>([
///         .init(OperationDescription("echo", summary: "Echoes the arguments", arguments: Schema.map(), data:
/// Schema.any)) {
///             adapter, arguments in Envelope(data: arguments)
///         }
///     ])
///     public var operations: [OperationDescription] { Self.table.descriptions }
///     public func perform(_ call: OperationCall) async throws -> Envelope { try await Self.table.perform(call, on:
/// self) }
/// }
/// ```
public struct OperationTable<Target: Sendable>: Sendable {
    /// One operation and its code.
    public struct Entry: Sendable {
        public let description: OperationDescription
        /// Performs the operation with arguments already checked against the description.
        public let perform: @Sendable (Target, Value) async throws -> Envelope

        /// Creates an entry.
        public init(
            _ description: OperationDescription, perform: @escaping @Sendable (Target, Value) async throws -> Envelope
        ) {
            self.description = description
            self.perform = perform
        }
    }

    public let entries: [Entry]

    /// Creates a table; names must be unique.
    public init(_ entries: [Entry]) {
        precondition(Set(entries.map(\.description.name)).count == entries.count, "duplicate operation name")
        self.entries = entries
    }

    /// The descriptions, in table order.
    public var descriptions: [OperationDescription] { self.entries.map(\.description) }

    /// Performs `call`: 404 for a name not in the table, 400 for arguments that do not match its
    /// schema (nothing is sent upstream), else the entry's code with the checked arguments.
    public func perform(_ call: OperationCall, on target: Target) async throws -> Envelope {
        guard let entry = self.entries.first(where: { $0.description.name == call.name }) else {
            let known = self.entries.map(\.description.name).joined(separator: ", ")
            throw GatewayError(.notFound, "unknown operation \"\(call.name.prefix(60))\" (known: \(known))")
        }
        return try await entry.perform(target, try entry.description.checkedArguments(of: call))
    }
}
