import GatehouseCore
import HTTPTypes
import Hummingbird
import NIOCore

/// `/Formation`: the script list, the seed's ExampleWS script (GET with parameters, POST with a
/// FormationInput that sets AktDM), and `download/` of the TestDownload report's file.
enum K2FormationService {
    static let scripts: [(folder: String, name: String, ext: String, title: String, className: String?)] = [
        ("Special", "ExampleWS", "pas", "example WS", "Part"),
        ("Standard", "TestDownload", "pas", "TestDownload", "Job"),
        ("Standard", "WkfWSProcDef", "pas", "Workflow definitions", nil),
    ]

    static func handle(_ segments: [String], _ context: K2Services.Context, state: K2SimulatorState) throws -> Response {
        if segments.isEmpty {
            let className = context.parameter("ClassName")?.lowercased()
            let list: [Value] = Self.scripts.filter { className == nil || $0.className == nil || $0.className!.lowercased() == className || "td_" + $0.className!.lowercased() == className }
                .map { s in
                    let path = "\(s.folder)/\(s.name)/\(s.ext)"
                    return [
                        "DefinitionURL": .string(context.apiBase + "/FormationDefinition/" + path), "FormationID": .string("\(s.name).\(s.ext.uppercased())"),
                        "ItemURL": .string(context.apiBase + "/Formation/" + path), "Name": .string(s.title),
                    ]
                }
            return try K2Services.answer(.array(list), root: "ArrayOfFormationId", context)
        }
        var parts = segments
        let download = parts.first?.lowercased() == "download"
        if download { parts.removeFirst() }
        guard parts.count == 3, let script = Self.scripts.first(where: {
            $0.folder.lowercased() == parts[0].lowercased() && $0.name.lowercased() == parts[1].lowercased() && $0.ext.lowercased() == parts[2].lowercased()
        }) else { throw K2Error(.as3Error, "Script \(parts.joined(separator: "/")) was not found in the Scripts and reports book.", status: 404) }
        var parameters: [(String, String)] = context.parameters.map { ($0.name, $0.value) }
        var aktDM: String?
        if context.method == .post {
            let input = try K2Services.body(context)
            for parameter in K2XMLShape.list(input["Parameters"]) {
                if let name = parameter["Name"]?.stringValue { parameters.append((name, K2Filter.text(parameter["Value"] ?? .null))) }
            }
            if let className = input["DataObjectName"]?.stringValue {
                let segmentsOfKey = K2XMLShape.list(input["CurrentPrimaryKey"])
                if let key = segmentsOfKey.first?["Value"] {
                    aktDM = try state.withStore { store in
                        let (c, index) = try K2DataService.find(className, [K2Filter.text(key)], in: store)
                        return K2Filter.text(store.classes[c].records[index]["Abbr"] ?? .null)
                    }
                }
            }
        }
        if download || script.name == "TestDownload" {
            var rows = "Task;Owner;Due\n"
            for i in 1...max(1, state.mode.downloadRows) { rows += "Task \(i);AN\(i % 5 + 1);2024-01-\(String(format2: i % 28 + 1))\n" }
            return Response(
                status: .ok,
                headers: [.contentType: "application/vnd.ms-excel", HTTPField.Name("Content-Disposition")!: "attachment; filename=\"TasksList.xls\""],
                body: .init(byteBuffer: ByteBuffer(string: rows)))
        }
        func value(_ name: String) -> String? { parameters.last { $0.0.lowercased() == name.lowercased() }?.1 }
        let text = value("ParamText") ?? ""
        let number = value("ParamCislo") ?? "0"
        guard Int(number) != nil else { throw K2Error(.as3Error, "ParamCislo: '\(number)' is not a valid integer value.", status: 400) }
        var output = "Values were passed: ParamText=\(text), ParamCislo=\(number), Output=\(value("Output") ?? "")"
        if let aktDM { output += ", AktDM=" + aktDM }
        let answer: Value = [
            "Parameters": [["Description": "", "Name": "Output", "Value": .string(output)]],
            "URL": .null, "BulkData": .null,
        ]
        return try K2Services.answer(answer, root: "FormationOutput", context)
    }
}

extension String {
    /// Two digits, zero-padded.
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : "\(value)" }
}
