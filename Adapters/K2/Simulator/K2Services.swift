import GatehouseCore
import GatehouseXML
import HTTPTypes
import Hummingbird
import NIOCore

/// The Data, Meta and Formation services over the in-memory store, answering in K2's JSON
/// shapes (or their XML form under `/xml/`).
enum K2Services {
    struct Context {
        var method: HTTPRequest.Method
        /// The path below the base (and `/xml`), e.g. `/Data/Part/5`.
        var path: String
        /// The query without `x-auth`.
        var query: String
        var body: [UInt8]
        var xml: Bool
        /// `http://host:port/restservice[/xml]`, for ItemURL and page URLs.
        var apiBase: String

        var parameters: [(name: String, value: String)] { K2Percent.parameters(self.query) }
        func parameter(_ name: String) -> String? {
            self.parameters.last { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// A body .NET could not deserialise: answered with an HTML page, as IIS does.
    struct Undeserialisable: Error {}

    static func handle(_ context: Context, state: K2SimulatorState) throws -> Response {
        let segments = context.path.split(separator: "/").map { K2Percent.decode(String($0)) }
        guard let service = segments.first?.lowercased() else {
            return try Self.answer(
                ["Services": ["Data", "Meta", "Formation", "FormationDefinition"]], root: "Help", context)
        }
        switch service {
        case "data": return try K2DataService.handle(Array(segments.dropFirst()), context, state: state)
        case "meta": return try K2MetaService.handle(Array(segments.dropFirst()), context, state: state)
        case "formation": return try K2FormationService.handle(Array(segments.dropFirst()), context, state: state)
        case "formationdefinition": return try K2FormationService.definition(Array(segments.dropFirst()), context)
        default: throw K2Error(.requestError, "Service '\(segments[0])' does not exist.", status: 404)
        }
    }

    /// The request body as a JSON-shaped value (XML bodies are converted), or `Undeserialisable`.
    static func body(_ context: Context) throws -> Value {
        if context.xml {
            guard let document = try? XML.parse(context.body), let root = document.objectValue?.members.first else {
                throw Undeserialisable()
            }
            return K2XMLShape.fromXML(root.value, key: root.key)
        }
        guard let value = try? JSON.parse(context.body) else { throw Undeserialisable() }
        return value
    }

    /// A JSON answer, or its XML form with root element `root`.
    static func answer(_ value: Value, root: String, _ context: Context, status: Int = 200) throws -> Response {
        if context.xml {
            let text = try XML.serialize(K2XMLShape.toXML(value, root: root), root: root)
            return K2Routes.raw(status, "application/xml; charset=utf-8", text)
        }
        return K2Routes.json(value, status: status)
    }
}
