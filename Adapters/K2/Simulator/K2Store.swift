import GatehouseCore

/// The simulator's in-memory K2 database: data classes with their metadata and records.
struct K2Store: Sendable {
    /// One field of a class's metadata.
    struct Field: Sendable {
        var name: String
        /// `Numeric`, `String`, `Boolean`, `DateTime` (K2's ValueType) or `Child`.
        var type: String
        var keyIndex: Int? = nil
        var childClass: String? = nil
        var isSystem = false
        /// Never readable by the API users (answered with `NoPermission`).
        var noPermission = false
    }

    /// One data class.
    struct DataClass: Sendable {
        var name: String
        var v3Name: String
        var caption: String
        var fields: [Field]
        var defaultFields: [String]
        var records: [Value.Object]
        var nextID = 1

        var keyFields: [String] {
            self.fields.filter { $0.keyIndex != nil }.sorted { $0.keyIndex! < $1.keyIndex! }.map(\.name)
        }
        func field(_ name: String) -> Field? { self.fields.first { $0.name.lowercased() == name.lowercased() } }
    }

    var classes: [DataClass]
    var timestampCounter = 0

    /// Matches a class by name or V3 name, case-insensitively.
    func classIndex(_ name: String) -> Int? {
        self.classes.firstIndex {
            $0.name.lowercased() == name.lowercased() || $0.v3Name.lowercased() == name.lowercased()
        }
    }

    mutating func nextTimestamp() -> String {
        self.timestampCounter += 1
        let hex = String(self.timestampCounter, radix: 16, uppercase: true)
        return "AAAAAA" + String(repeating: "0", count: max(0, 10 - hex.count)) + hex
    }

    /// Part with `parts` records (5 is "DEMO TRADE"; a few hold `,` `;` `"` in their names) and
    /// Order (key Book + Number) with Items children; OrderItem is the child class.
    static func demo(parts: Int) -> K2Store {
        var store = K2Store(classes: [])
        let cities = ["Brno", "Praha", "Ostrava", "Plzeň", "Olomouc"]
        var partRecords: [Value.Object] = []
        for id in 1...parts {
            var name = "Partner \(id)"
            var abbr = "P\(id)"
            switch id {
            case 1: name = "Shell Oil Company"; abbr = "SHELL"
            case 2: name = "Shell Oil Products"; abbr = "SHELL2"
            case 3: name = "shell oil lowercase"; abbr = "SHELL3"
            case 5: name = "Demo Trade s.r.o."; abbr = "DEMO TRADE"
            case 10: name = "Smith, Jones; Partners"
            case 11: name = "The \"Best\" Shop"
            case 12: name = "Smith"
            default: break
            }
            partRecords.append([
                "PartnerId": .int(id), "Abbr": .string(abbr), "Name": .string(name),
                "ID_NO": .string(String(10_000_000 + id * 7)),
                "City": id % 17 == 0 ? .string("") : .string(cities[id % cities.count]), "Credit": .int(id * 100),
                "TimeStamp": .string(store.nextTimestamp()),
            ])
        }
        store.classes.append(
            DataClass(
                name: "Part", v3Name: "TD_Part", caption: "Partners",
                fields: [
                    Field(name: "PartnerId", type: "Numeric", keyIndex: 0), Field(name: "Abbr", type: "String"),
                    Field(name: "Name", type: "String"), Field(name: "ID_NO", type: "String"),
                    Field(name: "City", type: "String"),
                    Field(name: "Credit", type: "Numeric", noPermission: true),
                    Field(name: "TimeStamp", type: "String", isSystem: true),
                ],
                defaultFields: ["PartnerId", "Abbr", "Name"], records: partRecords, nextID: parts + 1))
        var orders: [Value.Object] = []
        var rid = 1
        for (book, number, description) in [
            ("OV", 1, "First order"), ("OV", 2, "Second order"), ("EX", 1, "Export order"),
        ] {
            var items: [Value] = []
            for line in 1...3 {
                items.append(
                    .object([
                        "RID": .int(rid), "Text": .string("\(description) line \(line)"), "Quantity": .int(line * 2),
                    ]))
                rid += 1
            }
            orders.append([
                "Book": .string(book), "Number": .int(number), "Description": .string(description),
                "PartnerId": .int(5),
                "TimeStamp": .string(store.nextTimestamp()), "Items": .array(items),
            ])
        }
        store.classes.append(
            DataClass(
                name: "Order", v3Name: "TD_Order", caption: "Orders",
                fields: [
                    Field(name: "Book", type: "String", keyIndex: 0),
                    Field(name: "Number", type: "Numeric", keyIndex: 1),
                    Field(name: "Description", type: "String"), Field(name: "PartnerId", type: "Numeric"),
                    Field(name: "TimeStamp", type: "String", isSystem: true),
                    Field(name: "Items", type: "Child", childClass: "OrderItem"),
                ],
                defaultFields: ["Book", "Number", "Description"], records: orders, nextID: rid))
        store.classes.append(
            DataClass(
                name: "OrderItem", v3Name: "TD_OrderItem", caption: "Order items",
                fields: [
                    Field(name: "RID", type: "Numeric", keyIndex: 0), Field(name: "Text", type: "String"),
                    Field(name: "Quantity", type: "Numeric"),
                ],
                defaultFields: ["RID", "Text", "Quantity"], records: []))
        return store
    }
}
