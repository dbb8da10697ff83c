/// An instrument after its semantic checks: parsed conditions and the order in which variables
/// can be computed (every variable after the ones it depends on).
struct CompiledInstrument: Sendable {
    enum Variable: Sendable, Equatable {
        case question(Int), derived(Int), scale(Int)
    }

    let instrument: Instrument
    private(set) var relevance: [String: Condition] = [:]
    private(set) var derivedConditions: [String: Condition] = [:]
    private(set) var indicatorConditions: [String: Condition] = [:]
    private(set) var indicatorDomains: [String: Condition] = [:]
    private(set) var order: [Variable] = []
    private(set) var variables: [String: Variable] = [:]

    /// Whether `id` is usable in conditions: ASCII letters, digits and `_`, not starting with a digit.
    static func isIdentifier(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        return id.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    init(_ instrument: Instrument, locator: SourceLocator? = nil) throws {
        self.instrument = instrument
        let fail = Failer(locator: locator)
        try checkHeader(fail)
        try registerIds(fail)
        try checkQuestions(fail)
        var dependencies: [String: [(String, [PathStep])]] = [:]
        for (i, q) in instrument.questions.enumerated() {
            guard let text = q.relevant else { continue }
            let path: [PathStep] = [.key("questions"), .index(i), .key("relevant")]
            let c = try parseCondition(text, path, fail)
            relevance[q.id] = c
            dependencies[q.id] = c.references.map { ($0.name, path) }
        }
        try checkDerived(fail, &dependencies)
        try checkScales(fail, &dependencies)
        try checkIndicators(fail)
        try sortVariables(fail, dependencies)
    }

    // MARK: checks

    private func checkHeader(_ fail: Failer) throws {
        let l = instrument.locale
        guard [".", ","].contains(l.decimal) else {
            throw fail(.invalidValue, [.key("locale"), .key("decimal")], "decimal mark '\(l.decimal)' is not supported",
                       expected: "\".\" or \",\"")
        }
        if let t = l.thousands {
            guard [",", ".", " ", "'", "\u{00A0}"].contains(t), t != l.decimal else {
                throw fail(.invalidValue, [.key("locale"), .key("thousands")],
                           "thousands separator '\(t)' is not usable with decimal mark '\(l.decimal)'",
                           expected: "one of \",\" \".\" \" \" \"'\" different from the decimal mark")
            }
        }
        try checkMissingCodes(instrument.missingCodes, [.key("missing_codes")], fail)
    }

    private func checkMissingCodes(_ codes: [MissingCode], _ path: [PathStep], _ fail: Failer) throws {
        var seen: Set<String> = []
        for (i, m) in codes.enumerated() where !seen.insert(m.code).inserted {
            throw fail(.duplicateId, path + [.index(i), .key("code")], "missing code '\(m.code)' is declared twice")
        }
    }

    private mutating func registerIds(_ fail: Failer) throws {
        if instrument.questions.isEmpty {
            throw fail(.missingKey, [.key("questions")], "the instrument has no questions")
        }
        let groups: [(String, [String], (Int) -> Variable)] = [
            ("questions", instrument.questions.map(\.id), Variable.question),
            ("derived", instrument.derived.map(\.id), Variable.derived),
            ("scales", instrument.scales.map(\.id), Variable.scale),
        ]
        var firstPlace: [String: String] = [:]
        for (section, ids, make) in groups {
            for (i, id) in ids.enumerated() {
                let path: [PathStep] = [.key(section), .index(i), .key("id")]
                guard Self.isIdentifier(id), !ConditionParser.keywords.contains(id),
                      !["selected", "answered"].contains(id) else {
                    throw fail(.invalidValue, path, "'\(id)' cannot be used as an id",
                               expected: "letters, digits and _, starting with a letter or _ (not a keyword)")
                }
                if let other = firstPlace[id] {
                    throw fail(.duplicateId, path, "id '\(id)' is already used in \(other)",
                               hint: "questions, derived variables and scales share one set of ids")
                }
                firstPlace[id] = section
                variables[id] = make(i)
            }
        }
        var indicatorIds: Set<String> = []
        for (i, ind) in instrument.indicators.enumerated() where !indicatorIds.insert(ind.id).inserted {
            throw fail(.duplicateId, [.key("indicators"), .index(i), .key("id")], "indicator id '\(ind.id)' is used twice")
        }
    }

    private func checkQuestions(_ fail: Failer) throws {
        for (i, q) in instrument.questions.enumerated() {
            let base: [PathStep] = [.key("questions"), .index(i)]
            try checkMissingCodes(q.missingCodes ?? [], base + [.key("missing_codes")], fail)
            switch q.type {
            case .likert:
                guard let points = q.points, points.count >= 2 else {
                    throw fail(.missingKey, base + [.key("points")], "Likert question '\(q.id)' needs at least two points",
                               hint: "add points: [{code: \"1\", label: …}, …]")
                }
                for (j, p) in points.enumerated() where Double(p.code) == nil {
                    throw fail(.invalidValue, base + [.key("points"), .index(j), .key("code")],
                               "Likert point code '\(p.code)' is not a number", expected: "numeric codes such as 1…5")
                }
                if q.options != nil {
                    throw fail(.invalidValue, base + [.key("options")], "a Likert question takes points:, not options:")
                }
            case .singleChoice, .multipleChoice:
                guard let options = q.options, !options.isEmpty else {
                    throw fail(.missingKey, base + [.key("options")], "choice question '\(q.id)' needs options:")
                }
                if q.points != nil {
                    throw fail(.invalidValue, base + [.key("points")], "points: are for Likert questions; use options:")
                }
            case .binary:
                for (j, o) in (q.options ?? []).enumerated() where !["0", "1"].contains(o.code) {
                    throw fail(.invalidValue, base + [.key("options"), .index(j), .key("code")],
                               "binary option codes must be 0 and 1", expected: "\"0\" or \"1\"")
                }
            case .numeric, .integer, .date, .text:
                if q.points != nil || q.options != nil {
                    throw fail(.invalidValue, base + [.key(q.points != nil ? "points" : "options")],
                               "a \(q.type.rawValue) question has no code list",
                               hint: "use type: single_choice or likert for coded answers")
                }
            }
            try checkCodes(q, base, fail)
            if let r = q.range {
                guard [.numeric, .integer].contains(q.type) else {
                    throw fail(.invalidValue, base + [.key("range")], "range: applies to numeric and integer questions")
                }
                if let lo = r.min, let hi = r.max, lo > hi {
                    throw fail(.invalidValue, base + [.key("range")], "range min \(lo) is above max \(hi)")
                }
            }
            if q.isReversed, scoreBounds(q) == nil {
                throw fail(.invalidValue, base + [.key("reverse")],
                           "reverse keying needs a Likert question or a numeric range with min and max")
            }
            if let layout = q.selectMultiple {
                guard q.type == .multipleChoice else {
                    throw fail(.invalidValue, base + [.key("select_multiple")], "select_multiple: applies to multiple_choice questions")
                }
                if layout.layout == .binaryColumns, !(layout.columnPattern ?? "").contains("{code}") {
                    throw fail(.missingKey, base + [.key("select_multiple")],
                               "binary_columns layout needs column_pattern containing {code}",
                               hint: "for example column_pattern: \"services/{code}\"")
                }
            }
        }
    }

    private func checkCodes(_ q: Question, _ base: [PathStep], _ fail: Failer) throws {
        let key = q.points != nil ? "points" : "options"
        let missing = Set(((q.missingCodes ?? []) + instrument.missingCodes).map(\.code))
        var seen: Set<String> = []
        for (j, c) in q.codes.enumerated() {
            let path = base + [.key(key), .index(j), .key("code")]
            if !seen.insert(c.code).inserted {
                throw fail(.duplicateId, path, "code '\(c.code)' appears twice in question '\(q.id)'")
            }
            if missing.contains(c.code) {
                throw fail(.invalidValue, path, "code '\(c.code)' of question '\(q.id)' is also a missing code",
                           hint: "give the answer and the missing code different values")
            }
            if q.type == .multipleChoice, c.code.contains(where: \.isWhitespace) {
                throw fail(.invalidValue, path, "multiple-choice code '\(c.code)' contains a space",
                           hint: "codes of space-separated answers cannot contain spaces")
            }
        }
    }

    /// Lowest and highest possible score of a question (Likert points or a closed range).
    func scoreBounds(_ q: Question) -> (Double, Double)? {
        if q.type == .likert, let values = q.points?.compactMap({ Double($0.code) }),
           let lo = values.min(), let hi = values.max() { return (lo, hi) }
        if [.numeric, .integer].contains(q.type), let lo = q.range?.min, let hi = q.range?.max { return (lo, hi) }
        return nil
    }

    private func parseCondition(_ text: String, _ path: [PathStep], _ fail: Failer) throws -> Condition {
        let condition: Condition
        do {
            condition = try Condition(parsing: text)
        } catch {
            throw fail.condition(.conditionSyntax, path, error.offset, error.message, expected: error.expected)
        }
        try checkReferences(condition.root, path, fail)
        return condition
    }

    private func checkReferences(_ node: ConditionNode, _ path: [PathStep], _ fail: Failer) throws {
        for (name, offset) in node.references where variables[name] == nil {
            throw fail.condition(.undefinedReference, path, offset, "'\(name)' is not a question, derived variable or scale",
                                 hint: closest(name, in: instrument.variableIds).map { "did you mean '\($0)'?" })
        }
        try walkSelected(node) { q, offset, code, codeOffset in
            guard let question = instrument.question(q), [.singleChoice, .multipleChoice].contains(question.type) else {
                throw fail.condition(.conditionType, path, offset, "selected() needs a choice question; '\(q)' is not one")
            }
            if !question.codes.contains(where: { $0.code == code }) {
                throw fail.condition(.undefinedReference, path, codeOffset, "'\(code)' is not an option of '\(q)'",
                                     expected: question.codes.map(\.code).joined(separator: ", "))
            }
        }
    }

    private func walkSelected(_ node: ConditionNode, _ body: (String, Int, String, Int) throws -> Void) throws {
        switch node {
        case let .selected(q, o, code, co): try body(q, o, code, co)
        case let .compare(_, a, b), let .and(a, b), let .or(a, b):
            try walkSelected(a, body); try walkSelected(b, body)
        case let .inList(a, _), let .not(a): try walkSelected(a, body)
        case .identifier, .number, .string, .answered: break
        }
    }

    private func requireVariable(_ name: String?, _ path: [PathStep], _ what: String, _ fail: Failer,
                                 numeric: Bool = true) throws {
        guard let name else { throw fail(.missingKey, Array(path.dropLast()), "\(what) needs '\(path.last.map(Self.keyName) ?? "")'") }
        guard let v = variables[name] else {
            throw fail(.undefinedReference, path, "'\(name)' is not a question, derived variable or scale",
                       hint: closest(name, in: instrument.variableIds).map { "did you mean '\($0)'?" })
        }
        if numeric, case let .question(i) = v {
            let q = instrument.questions[i]
            if [.text, .multipleChoice].contains(q.type) {
                throw fail(.conditionType, path, "'\(name)' is a \(q.type.rawValue) question and has no numeric value")
            }
            if q.type == .singleChoice, let code = q.codes.first(where: { Double($0.code) == nil })?.code {
                throw fail(.conditionType, path, "'\(name)' has the non-numeric code '\(code)' and no numeric value",
                           hint: "add a derived recode of '\(name)' and use that")
            }
        }
    }

    private static func keyName(_ s: PathStep) -> String {
        if case let .key(k) = s { return k }
        return ""
    }

    private mutating func checkDerived(_ fail: Failer, _ deps: inout [String: [(String, [PathStep])]]) throws {
        for (i, d) in instrument.derived.enumerated() {
            let base: [PathStep] = [.key("derived"), .index(i)]
            var refs: [(String, [PathStep])] = []
            switch d.kind {
            case .recode:
                try requireVariable(d.from, base + [.key("from")], "a recode", fail, numeric: false)
                guard let map = d.map, !map.isEmpty else {
                    throw fail(.missingKey, base, "recode '\(d.id)' needs map: {code: value, …}")
                }
                if let from = d.from, let q = instrument.question(from) {
                    let codes = q.type == .binary ? ["0", "1"] : q.codes.map(\.code)
                    guard !codes.isEmpty else {
                        throw fail(.conditionType, base + [.key("from")], "recode source '\(from)' has no code list")
                    }
                    let unmapped = codes.filter { map[$0] == nil }
                    if !unmapped.isEmpty && d.default == nil {
                        throw fail(.invalidValue, base + [.key("map")],
                                   "recode '\(d.id)' does not map code(s) \(unmapped.joined(separator: ", ")) of '\(from)'",
                                   hint: "map every code or add default:")
                    }
                    for key in map.keys.sorted() where !codes.contains(key) {
                        throw fail(.undefinedReference, base + [.key("map"), .key(key)], "'\(key)' is not a code of '\(from)'",
                                   expected: codes.joined(separator: ", "))
                    }
                } else if let from = d.from {
                    throw fail(.conditionType, base + [.key("from")], "recode source '\(from)' must be a coded question")
                }
                refs = [(d.from ?? "", base + [.key("from")])]
            case .sum, .mean:
                guard let of = d.of, !of.isEmpty else {
                    throw fail(.missingKey, base, "\(d.kind.rawValue) '\(d.id)' needs of: [variables]")
                }
                for (j, name) in of.enumerated() {
                    try requireVariable(name, base + [.key("of"), .index(j)], "", fail)
                    refs.append((name, base + [.key("of"), .index(j)]))
                }
                if let m = d.minValid, !(1...of.count).contains(m) {
                    throw fail(.invalidValue, base + [.key("min_valid")], "min_valid must be between 1 and \(of.count)")
                }
            case .condition:
                guard let text = d.condition else {
                    throw fail(.missingKey, base, "condition '\(d.id)' needs condition: \"…\"")
                }
                let path = base + [.key("condition")]
                let c = try parseCondition(text, path, fail)
                derivedConditions[d.id] = c
                refs = c.references.map { ($0.name, path) }
            }
            deps[d.id] = refs
        }
    }

    private mutating func checkScales(_ fail: Failer, _ deps: inout [String: [(String, [PathStep])]]) throws {
        for (i, s) in instrument.scales.enumerated() {
            let base: [PathStep] = [.key("scales"), .index(i)]
            guard !s.items.isEmpty else { throw fail(.missingKey, base + [.key("items")], "scale '\(s.id)' has no items") }
            var seen: Set<String> = []
            for (j, item) in s.items.enumerated() {
                let path = base + [.key("items"), .index(j)]
                try requireVariable(item, path, "", fail)
                if !seen.insert(item).inserted { throw fail(.duplicateId, path, "item '\(item)' is listed twice") }
            }
            for (j, item) in (s.reverse ?? []).enumerated() {
                let path = base + [.key("reverse"), .index(j)]
                guard s.items.contains(item) else {
                    throw fail(.undefinedReference, path, "reverse-keyed '\(item)' is not an item of scale '\(s.id)'")
                }
                guard let q = instrument.question(item), scoreBounds(q) != nil else {
                    throw fail(.invalidValue, path, "'\(item)' cannot be reverse-keyed: it needs Likert points or a closed range")
                }
                if q.isReversed {
                    throw fail(.invalidValue, path, "'\(item)' is already reverse-keyed by its question (reverse: true)",
                               hint: "reverse it in one place only")
                }
            }
            if let m = s.minValid, !(1...s.items.count).contains(m) {
                throw fail(.invalidValue, base + [.key("min_valid")], "min_valid must be between 1 and \(s.items.count)")
            }
            deps[s.id] = s.items.enumerated().map { ($0.element, base + [.key("items"), .index($0.offset)]) }
        }
    }

    private mutating func checkIndicators(_ fail: Failer) throws {
        for (i, ind) in instrument.indicators.enumerated() {
            let base: [PathStep] = [.key("indicators"), .index(i)]
            switch ind.kind {
            case .proportion:
                if let text = ind.condition {
                    indicatorConditions[ind.id] = try parseCondition(text, base + [.key("condition")], fail)
                } else if ind.variable != nil {
                    try requireVariable(ind.variable, base + [.key("variable")], "", fail)
                } else {
                    throw fail(.missingKey, base, "proportion '\(ind.id)' needs condition: (or a 0/1 variable:)")
                }
            case .mean, .total:
                try requireVariable(ind.variable, base + [.key("variable")], "\(ind.kind.rawValue) '\(ind.id)'", fail)
            case .rate:
                try requireVariable(ind.variable, base + [.key("variable")], "rate '\(ind.id)'", fail)
                try requireVariable(ind.exposure, base + [.key("exposure")], "rate '\(ind.id)'", fail)
                if let per = ind.per, !(per > 0 && per.isFinite) {
                    throw fail(.invalidValue, base + [.key("per")], "per must be a positive number")
                }
            }
            if ind.kind != .rate, ind.exposure != nil || ind.per != nil {
                throw fail(.invalidValue, base + [.key(ind.exposure != nil ? "exposure" : "per")],
                           "exposure:/per: apply to rate indicators only")
            }
            if let among = ind.among {
                indicatorDomains[ind.id] = try parseCondition(among, base + [.key("among")], fail)
            }
        }
    }

    private mutating func sortVariables(_ fail: Failer, _ deps: [String: [(String, [PathStep])]]) throws {
        let all = instrument.variableIds
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var out: [Variable] = []
        func visit(_ id: String, _ stack: [String]) throws {
            if state[id] == 2 { return }
            if state[id] == 1 {
                let cycle = (stack.drop { $0 != id } + [id]).joined(separator: " → ")
                let path = deps[stack.last ?? id]?.first { $0.0 == id }?.1 ?? []
                throw fail(.cycle, path, "circular definition: \(cycle)")
            }
            state[id] = 1
            for (dep, _) in deps[id] ?? [] where variables[dep] != nil { try visit(dep, stack + [id]) }
            state[id] = 2
            if let v = variables[id] { out.append(v) }
        }
        for id in all { try visit(id, []) }
        order = out
    }
}

/// Builds located errors for the checks (plain errors when the instrument has no source text).
struct Failer {
    let locator: SourceLocator?

    func callAsFunction(_ code: InstrumentError.Code, _ path: [PathStep], _ message: String,
                        expected: String? = nil, hint: String? = nil) -> InstrumentError {
        locator?.error(code, at: path, message: message, expected: expected, hint: hint)
            ?? InstrumentError(code, file: "<instrument>", message: message, expected: expected, hint: hint)
    }

    func condition(_ code: InstrumentError.Code, _ path: [PathStep], _ offset: Int, _ message: String,
                   expected: String? = nil, hint: String? = nil) -> InstrumentError {
        locator?.conditionError(code, at: path, offset: offset, message: message, expected: expected, hint: hint)
            ?? InstrumentError(code, file: "<instrument>", message: message, expected: expected, hint: hint)
    }
}
