/// One operation an adapter offers on `POST /v1/{connection}/{operation}`: its name, what it
/// does, the JSON Schema of its arguments and of `data` in the envelope it answers with. The
/// same description validates the arguments and builds the OpenAPI documents.
public struct OperationDescription: Sendable {
    /// What a successful call answers with.
    public enum Answer: Sendable {
        /// The uniform envelope, `data` matching the schema.
        case envelope(data: Value)
        /// The envelope, or HTTP 202 `{"data": null, "meta": {"state": "pending", ...}}` while
        /// the upstream is not ready yet (Keyfax results).
        case envelopeOrPending(data: Value)
        /// A file streamed as the upstream sent it (its Content-Type and Content-Disposition).
        case file
    }

    /// The dotted name, e.g. `data.list`.
    public let name: String
    /// One line for the documents.
    public let summary: String
    /// The JSON Schema the arguments (JSON form) must match.
    public let arguments: Value
    /// What a successful call answers with.
    public let answer: Answer

    /// Creates a description.
    public init(_ name: String, summary: String, arguments: Value, answer: Answer) {
        self.name = name
        self.summary = summary
        self.arguments = arguments
        self.answer = answer
    }

    /// Creates a description of an operation answering with the envelope, `data` matching `data`.
    public init(_ name: String, summary: String, arguments: Value, data: Value) {
        self.init(name, summary: summary, arguments: arguments, answer: .envelope(data: data))
    }

    /// The arguments in the JSON form, read from XML when they came as XML; 400 `bad_request`
    /// naming the first offending member as a JSON pointer when they do not match.
    public func checkedArguments(of call: OperationCall) throws(GatewayError) -> Value {
        let arguments = call.form == .xml ? Schema.conformingXML(call.arguments, to: self.arguments) : call.arguments
        if let violation = SchemaValidator.violation(of: arguments, against: self.arguments) {
            throw GatewayError(.badRequest, "invalid arguments for \(self.name): \(violation)")
        }
        return arguments
    }
}
