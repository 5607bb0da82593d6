import GatehouseCore

/// Pieces both OpenAPI documents share: the uniform error body and the responses that carry it.
enum OpenAPIParts {
    /// `{"error": {"code", "message", "connection"?, "upstream_status"?, "upstream_kind"?, "request_id"}}`.
    static let error = Schema.object(
        [
            "error": Schema.object(
                [
                    "code": Schema.oneOf(GatewayError.Code.allCases.map(\.rawValue)),
                    "message": Schema.string(),
                    "connection": Schema.string(),
                    "upstream_status": Schema.integer(),
                    "upstream_kind": Schema.string(),
                    "request_id": Schema.string(),
                ],
                required: ["code", "message", "request_id"])
        ],
        required: ["error"], description: "The uniform error body")

    static let errorReference: Value = ["$ref": "#/components/schemas/Error"]

    /// A response with a JSON body of `schema`.
    static func json(_ description: String, _ schema: Value) -> Value {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }

    /// The error responses every gateway route may give, beside `responses`.
    static func withErrors(_ responses: Value.Object) -> Value {
        var all = responses
        all["4XX"] = Self.json("Refused: the uniform error body", Self.errorReference)
        all["5XX"] = Self.json("Failed or unavailable: the uniform error body", Self.errorReference)
        return .object(all)
    }

    /// An operation id from parts: letters and digits kept, anything else one `_`.
    static func operationID(_ parts: String...) -> String {
        var id = ""
        for character in parts.joined(separator: "_") {
            if character.isASCII, character.isLetter || character.isNumber {
                id.append(character)
            } else if id.last != "_" {
                id.append("_")
            }
        }
        return id
    }

    /// `paths` with every `operationId` unique, as OpenAPI requires: connection names that differ
    /// only in punctuation (`a-b`, `a_b`) map to one id, so a repeat gets `_2`, `_3`, ... in
    /// document order.
    static func uniqueOperationIDs(_ paths: Value.Object) -> Value.Object {
        var seen = Set<String>()
        var paths = paths
        for pathIndex in paths.members.indices {
            guard case .object(var item) = paths.members[pathIndex].value else { continue }
            for methodIndex in item.members.indices {
                guard case .object(var operation) = item.members[methodIndex].value,
                    let id = operation["operationId"]?.stringValue
                else { continue }
                var unique = id
                var counter = 1
                while !seen.insert(unique).inserted {
                    counter += 1
                    unique = id + "_" + String(counter)
                }
                operation["operationId"] = .string(unique)
                item.members[methodIndex].value = .object(operation)
            }
            paths.members[pathIndex].value = .object(item)
        }
        return paths
    }

    /// A bearer token scheme.
    static func bearer(_ description: String) -> Value {
        ["type": "http", "scheme": "bearer", "description": .string(description)]
    }
}
