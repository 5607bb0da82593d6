import GatehouseCore

/// The simulator's demo account: a few items and bookings, shaped as Checkfront's API 3.0 answers them.
enum CheckfrontData {
    static let items: [Value.Object] = [
        [
            "item_id": 1, "sku": "kayak-tour", "name": "Sunset Kayak Tour", "status": "A", "category_id": 1,
            "unit": "P",
            "rate": ["summary": ["price": ["total": "$45.00"]]],
        ],
        [
            "item_id": 2, "sku": "bike-rental", "name": "Bike Rental (Day)", "status": "A", "category_id": 2,
            "unit": "D",
            "rate": ["summary": ["price": ["total": "$30.00"]]],
        ],
        [
            "item_id": 3, "sku": "cabin", "name": "Lakeside Cabin", "status": "A", "category_id": 3, "unit": "N",
            "rate": ["summary": ["price": ["total": "$180.00"]]],
        ],
    ]

    static let bookings: [Value.Object] = (1...5).map { number in
        [
            "booking_id": .int(number), "code": .string("DEMO-\(1000 + number)"), "status_id": "PEND",
            "status_name": "Pending", "customer_name": .string("Guest \(number)"),
            "total": .string("\(45 * number).00"),
            "created_date": .int(1_767_225_600 + number * 3600),
        ]
    }

    /// The envelope every API answer shares.
    static func envelope(_ request: Value.Object, _ members: [(String, Value)]) -> Value {
        var root: Value.Object = [
            "version": "3.0", "account_id": 1, "host_id": "demo.checkfront.test", "name": "Demo Tours",
            "locale": ["id": "en_US", "lang": "en", "currency": "USD"],
        ]
        var status = request
        if status["status"] == nil { status["status"] = "OK" }
        root["request"] = .object(status)
        for (key, value) in members { root[key] = value }
        return .object(root)
    }
}

extension Value {
    /// A string or a number's digits, as PHP compares ids.
    var idText: String? {
        switch self {
        case .string(let text), .number(let text): text
        default: nil
        }
    }
}
