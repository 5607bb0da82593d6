import GatehouseCore
import Hummingbird

/// `/Meta` and `/Meta/{class}`.
enum K2MetaService {
    static func handle(_ segments: [String], _ context: K2Services.Context, state: K2SimulatorState) throws -> Response
    {
        guard context.method == .get else { throw K2Error(.requestError, "Meta is read with GET.", status: 405) }
        let store = state.withStore { $0 }
        guard let name = segments.first else {
            let list: [Value] = store.classes.map { c in
                [
                    "Caption": .string(c.caption), "ClassName": .string(c.name),
                    "IsHeader": .bool(c.name != "OrderItem"), "V3ClassName": .string(c.v3Name),
                ]
            }
            return try K2Services.answer(.array(list), root: "ArrayOfDataObjectMetaData", context)
        }
        let dataClass = store.classes[try K2DataService.classOf(name, in: store)]
        func meta(_ field: K2Store.Field) -> Value {
            var object: Value.Object = [
                "Caption": .string(field.name), "Description": "", "Name": .string(field.name),
                "FieldName": .string(field.name),
                "V3FieldName": .string(field.name), "ValueType": .string(field.type),
                "IsReadOnly": .bool(field.isSystem),
            ]
            if let key = field.keyIndex { object["KeyIndex"] = .int(key) }
            if let child = field.childClass {
                object["ChildClassName"] = .string(child)
                object["ItemURL"] = .string(context.apiBase + "/Meta/" + child)
            }
            return .object(object)
        }
        let value: Value = [
            "Caption": .string(dataClass.caption),
            "ChildList": .array(dataClass.fields.filter { $0.childClass != nil }.map(meta)),
            "ClassName": .string(dataClass.name),
            "FieldList": .array(dataClass.fields.filter { $0.childClass == nil }.map(meta)),
            "IsHeader": .bool(dataClass.name != "OrderItem"),
            "LinkList": [],
            "PrimaryKeyFieldList": .array(dataClass.fields.filter { $0.keyIndex != nil }.map(meta)),
            "SystemFields": .array(dataClass.fields.filter(\.isSystem).map(meta)),
            "V3ClassName": .string(dataClass.v3Name),
        ]
        return try K2Services.answer(value, root: "DataObjectMetaData", context)
    }
}
