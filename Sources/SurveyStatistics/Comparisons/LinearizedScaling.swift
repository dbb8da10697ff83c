extension Linearized {
    /// The same estimate multiplied by a constant `k` (e.g. a rate per 1,000): the value and every
    /// influence value scale by `k`, so the variance scales by `k²`.
    public func scaled(by k: Double) -> Linearized {
        Linearized(value: value * k, influence: influence.map { $0 * k }, n: n, domain: domain)
    }
}
