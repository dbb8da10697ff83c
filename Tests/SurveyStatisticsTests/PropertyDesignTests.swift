import PropertyBased
import Testing
import SurveyStatistics

/// A random stratified cluster sample: 2–3 strata, 2–4 PSUs per stratum, 1–4 rows per PSU,
/// weights in [0.5, 20], y roughly normal, a 0/1 indicator and a domain holding at least one
/// row of every stratum's first PSU (so domain estimates exist).
private struct Sample {
    var weights: [Double] = []
    var strata: [String] = []
    var psus: [String] = []
    var y: [Double] = []
    var indicator: [Double] = []
    var domain: [Bool] = []

    init(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let h = Int.random(in: 2...3, using: &rng)
        for s in 0..<h {
            for p in 0..<Int.random(in: 2...4, using: &rng) {
                for r in 0..<Int.random(in: 1...4, using: &rng) {
                    weights.append(0.5 + 19.5 * rng.nextUniform())
                    strata.append("s\(s)")
                    psus.append("s\(s)p\(p)")
                    y.append(10 + 3 * rng.nextNormal())
                    indicator.append(rng.nextUniform() < 0.4 ? 1 : 0)
                    domain.append((p == 0 && r == 0) || rng.nextUniform() < 0.5)
                }
            }
        }
    }

    func design(weights w: [Double]? = nil) throws -> SurveyDesign {
        try SurveyDesign(weights: w ?? weights, strata: strata, clusters: [psus])
    }

    /// The same rows in another order.
    func permuted(_ order: [Int]) -> Sample {
        var s = self
        s.weights = order.map { weights[$0] }; s.strata = order.map { strata[$0] }
        s.psus = order.map { psus[$0] }; s.y = order.map { y[$0] }
        s.indicator = order.map { indicator[$0] }; s.domain = order.map { domain[$0] }
        return s
    }
}

/// |a − b| ≤ tol·max(1, |a|, |b|): equal up to rounding of sums taken in another order.
private func close(_ a: Double, _ b: Double, _ tol: Double = 1e-10) -> Bool {
    abs(a - b) <= tol * max(1, abs(a), abs(b))
}

private let seeds = Gen.uint64(in: 1...UInt64.max)

/// Estimates do not depend on the order of the rows (sums are taken per PSU and stratum).
@Test func estimatesIgnoreRowOrder() async {
    await propertyCheck(count: 100, input: seeds, Gen.uint64(in: 1...UInt64.max)) { seed, shuffleSeed in
        let sample = Sample(seed: seed)
        var rng = SeededGenerator(seed: shuffleSeed)
        let shuffled = sample.permuted(Array(0..<sample.y.count).shuffled(using: &rng))
        let a = try sample.design(), b = try shuffled.design()
        for (ea, eb) in [(try a.mean(sample.y), try b.mean(shuffled.y)),
                         (try a.total(sample.y), try b.total(shuffled.y)),
                         (try a.mean(sample.y, domain: sample.domain), try b.mean(shuffled.y, domain: shuffled.domain)),
                         (try a.mean(sample.indicator), try b.mean(shuffled.indicator))] {
            #expect(close(ea.value, eb.value), "value \(ea.value) vs \(eb.value)")
            #expect(close(ea.standardError, eb.standardError), "SE \(ea.standardError) vs \(eb.standardError)")
            #expect(ea.degreesOfFreedom == eb.degreesOfFreedom)
        }
    }
}

/// Multiplying every weight by k > 0 leaves means and proportions (and their SEs) unchanged and
/// multiplies totals and their SEs by k: the mean is a ratio of two totals, both scaled by k.
@Test func scalingWeightsScalesTotalsOnly() async {
    await propertyCheck(count: 100, input: seeds, Gen.double(in: 0.001...1000)) { seed, k in
        let sample = Sample(seed: seed)
        let a = try sample.design(), b = try sample.design(weights: sample.weights.map { $0 * k })
        for y in [sample.y, sample.indicator] {
            let ma = try a.mean(y), mb = try b.mean(y)
            #expect(close(ma.value, mb.value, 1e-9) && close(ma.standardError, mb.standardError, 1e-9))
            let ta = try a.total(y), tb = try b.total(y)
            #expect(close(k * ta.value, tb.value, 1e-9), "total \(ta.value)·\(k) vs \(tb.value)")
            #expect(close(k * ta.standardError, tb.standardError, 1e-9))
        }
        let pa = try a.proportionInterval(sample.indicator), pb = try b.proportionInterval(sample.indicator)
        #expect(close(pa.estimate, pb.estimate, 1e-9))
    }
}

/// Domain estimates against designs with the out-of-domain weights set to zero (same strata
/// and PSUs, so the design is kept, as R's `subset()` keeps it).
///
/// Totals: the domain total is Σ wᵢ·1_D(i)·yᵢ, and its influence values wᵢ·1_D(i)·yᵢ are the same
/// whether the indicator multiplies y or the weight, so value and SE agree exactly with
/// (a) the total of y·1_D over the full design and (b) the total of y with zero weights outside D.
/// Means: the domain mean is the ratio Σw·1_D·y / Σw·1_D with influence wᵢ·1_D(i)(yᵢ − ȳ_D)/Ŵ_D;
/// it equals the ratio estimator of y·1_D over 1_D in the full design, and the plain mean in the
/// zero-weight design (every term of both sums carries wᵢ·1_D(i)). It does *not* equal the mean of
/// y·1_D (that divides by Ŵ of the whole population).
@Test func domainEstimatesMatchZeroWeightDesigns() async {
    await propertyCheck(count: 100, input: seeds) { seed in
        let s = Sample(seed: seed)
        let full = try s.design()
        let zeroed = try s.design(weights: zip(s.weights, s.domain).map { $1 ? $0 : 0 })
        let inD = s.domain.map { $0 ? 1.0 : 0.0 }
        let yD = zip(s.y, inD).map { $0 * $1 }

        let domainTotal = try full.total(s.y, domain: s.domain)
        for other in [try full.total(yD), try zeroed.total(s.y)] {
            #expect(close(domainTotal.value, other.value), "total \(domainTotal.value) vs \(other.value)")
            #expect(close(domainTotal.standardError, other.standardError),
                    "total SE \(domainTotal.standardError) vs \(other.standardError)")
        }

        let domainMean = try full.mean(s.y, domain: s.domain)
        for other in [try full.ratio(numerator: yD, denominator: inD), try zeroed.mean(s.y)] {
            #expect(close(domainMean.value, other.value), "mean \(domainMean.value) vs \(other.value)")
            #expect(close(domainMean.standardError, other.standardError),
                    "mean SE \(domainMean.standardError) vs \(other.standardError)")
        }
        // The naive route differs whenever the domain is a proper subset.
        if s.domain.contains(false) {
            let naive = try full.mean(yD)
            #expect(!close(naive.value, domainMean.value, 1e-6))
        }
    }
}
