import GatehouseCore
import HTTPTypes
import GatehouseCrypto
import Hummingbird
import NIOCore

/// `/Formation`: the script list, the seed's ExampleWS script (GET with parameters, POST with a
/// FormationInput that sets AktDM and PrimaryKeys), the TestDownload report's file (its URL,
/// its bytes in BulkData with `returnOutFileData=true`, or itself under `download/`, GET or
/// POST), an HTML script under `html/`, and `/FormationDefinition/...`.
enum K2FormationService {
    static let scripts: [(folder: String, name: String, ext: String, title: String, className: String?)] = [
        ("Special", "ExampleWS", "pas", "example WS", "Part"),
        ("Standard", "TestDownload", "pas", "TestDownload", "Job"),
        ("Standard", "WkfWSProcDef", "pas", "Workflow definitions", nil),
        ("Standard", "Example127", "pas", "Example 127 - generate HTML for the Web services K2", nil),
    ]

    /// `/FormationDefinition/{folder}/{name}/{ext}`: a script's definition. The seed names the
    /// service but not its shape: the simulator answers FormationID, Name, ClassName and the
    /// script's parameters.
    static func definition(_ segments: [String], _ context: K2Services.Context) throws -> Response {
        guard context.method == .get else {
            throw K2Error(.requestError, "FormationDefinition is read with GET.", status: 405)
        }
        guard segments.count == 3, let script = Self.script(segments) else {
            throw K2Error(
                .as3Error, "Script \(segments.joined(separator: "/")) was not found in the Scripts and reports book.",
                status: 404)
        }
        let parameters: [Value] =
            script.name == "ExampleWS"
            ? [
                ["Description": "Vstupní textový parametr", "Name": "ParamText", "Type": "string"],
                ["Description": "Vstupní číselný parametr", "Name": "ParamCislo", "Type": "integer"],
                ["Description": "Output parameter", "Name": "Output", "Type": "string"],
            ]
            : []
        let value: Value = [
            "ClassName": script.className.map(Value.string) ?? .null,
            "FormationID": .string("\(script.name).\(script.ext.uppercased())"),
            "Name": .string(script.title), "Parameters": .array(parameters),
        ]
        return try K2Services.answer(value, root: "FormationDefinition", context)
    }

    static func script(_ parts: [String]) -> (
        folder: String, name: String, ext: String, title: String, className: String?
    )? {
        Self.scripts.first {
            $0.folder.lowercased() == parts[0].lowercased() && $0.name.lowercased() == parts[1].lowercased()
                && $0.ext.lowercased() == parts[2].lowercased()
        }
    }

    /// The TestDownload report's file: `rows` lines of tasks.
    static func downloadFile(rows: Int) -> String {
        var text = "Task;Owner;Due\n"
        for i in 1...max(1, rows) { text += "Task \(i);AN\(i % 5 + 1);2024-01-\(String(format2: i % 28 + 1))\n" }
        return text
    }

    static func handle(_ segments: [String], _ context: K2Services.Context, state: K2SimulatorState) throws -> Response
    {
        if segments.isEmpty {
            let className = context.parameter("ClassName")?.lowercased()
            let list: [Value] = Self.scripts.filter {
                className == nil || $0.className == nil || $0.className!.lowercased() == className
                    || "td_" + $0.className!.lowercased() == className
            }
            .map { s in
                let path = "\(s.folder)/\(s.name)/\(s.ext)"
                return [
                    "DefinitionURL": .string(context.apiBase + "/FormationDefinition/" + path),
                    "FormationID": .string("\(s.name).\(s.ext.uppercased())"),
                    "ItemURL": .string(context.apiBase + "/Formation/" + path), "Name": .string(s.title),
                ]
            }
            return try K2Services.answer(.array(list), root: "ArrayOfFormationId", context)
        }
        var parts = segments
        let mode = parts.first?.lowercased()
        let download = mode == "download"
        let html = mode == "html"
        if download || html { parts.removeFirst() }
        guard parts.count == 3, let script = Self.script(parts) else {
            throw K2Error(
                .as3Error, "Script \(parts.joined(separator: "/")) was not found in the Scripts and reports book.",
                status: 404)
        }
        if html, parts[2].lowercased() != "pas" {
            throw K2Error(.requestError, "Only scripts (pas) generate HTML.", status: 400)
        }
        var parameters: [(String, String)] = context.parameters.filter { $0.name.lowercased() != "returnoutfiledata" }
            .map { ($0.name, $0.value) }
        let returnFileData = context.parameter("returnOutFileData")?.lowercased() == "true"
        var aktDM: String?
        var records: [String] = []
        var returnURL = context.method == .get
        if context.method == .post {
            let input = try K2Services.body(context)
            for parameter in K2XMLShape.list(input["Parameters"]) {
                if let name = parameter["Name"]?.stringValue {
                    parameters.append((name, K2Filter.text(parameter["Value"] ?? .null)))
                }
            }
            returnURL = input["ReturnUrl"]?.boolValue == true || input["ReturnUrl"]?.stringValue == "true"
            if let className = input["DataObjectName"]?.stringValue {
                func abbr(_ key: Value) throws -> String {
                    try state.withStore { store in
                        let (c, index) = try K2DataService.find(className, [K2Filter.text(key)], in: store)
                        return K2Filter.text(store.classes[c].records[index]["Abbr"] ?? .null)
                    }
                }
                if let key = K2XMLShape.list(input["CurrentPrimaryKey"]).first?["Value"] { aktDM = try abbr(key) }
                for primaryKey in K2XMLShape.list(input["PrimaryKeys"]) {
                    let segments = primaryKey.arrayValue ?? K2XMLShape.list(primaryKey)
                    if let key = segments.first?["Value"] { records.append(try abbr(key)) }
                }
            }
        }
        func value(_ name: String) -> String? { parameters.last { $0.0.lowercased() == name.lowercased() }?.1 }
        if html {
            let title = value("Title") ?? "K2"
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        string:
                            """
                            <!DOCTYPE html><html><head><title>\(title)</title></head><body><h1>\(title)</h1><p>\
                            \(script.title)</p></body></html>
                            """
                    )))
        }
        if script.name == "TestDownload" {
            let rows = value("Rows").flatMap { Int($0) }.map { min(max($0, 1), 100_000) } ?? state.mode.downloadRows
            let file = Self.downloadFile(rows: rows)
            if download {
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "application/vnd.ms-excel",
                        HTTPField.Name("Content-Disposition")!: "attachment; filename=\"TasksList.xls\"",
                    ],
                    body: .init(byteBuffer: ByteBuffer(string: file)))
            }
            // A run of a report: its file's URL, or with returnOutFileData its bytes in BulkData.
            let url =
                context.apiBase + "/Formation/download/" + parts.joined(separator: "/")
                + (context.query.isEmpty ? "" : "?" + context.query)
            let answer: Value = [
                "BulkData": returnFileData ? .string(Base64.encode(Array(file.utf8))) : .null, "Parameters": [],
                "URL": !returnFileData && returnURL ? .string(url) : .null,
            ]
            return try K2Services.answer(answer, root: "FormationOutput", context)
        }
        if download { throw K2Error(.as3Message, "The script \(script.name) created no output file.", status: 400) }
        let text = value("ParamText") ?? ""
        let number = value("ParamCislo") ?? "0"
        guard Int(number) != nil else {
            throw K2Error(.as3Error, "ParamCislo: '\(number)' is not a valid integer value.", status: 400)
        }
        var output = "Values were passed: ParamText=\(text), ParamCislo=\(number), Output=\(value("Output") ?? "")"
        if let aktDM { output += ", AktDM=" + aktDM }
        if !records.isEmpty { output += ", Records=" + records.joined(separator: "|") }
        let answer: Value = [
            "BulkData": .null, "Parameters": [["Description": "", "Name": "Output", "Value": .string(output)]],
            "URL": .null,
        ]
        return try K2Services.answer(answer, root: "FormationOutput", context)
    }
}

extension String {
    /// Two digits, zero-padded.
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : "\(value)" }
}
