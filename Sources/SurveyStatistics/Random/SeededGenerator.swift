import Foundation

/// A small, fast, seedable pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// Every random step in copro (sample data, bootstrap, wild cluster bootstrap) takes a
/// `using: inout some RandomNumberGenerator` so that a seed reproduces it exactly on every platform.
/// Reference: D. Blackman and S. Vigna, "Scrambled linear pseudorandom number generators",
/// ACM TOMS 47(4), 2021; https://prng.di.unimi.it/ .
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator whose whole stream is determined by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

extension RandomNumberGenerator {
    /// A uniform double in [0, 1) with 53 random bits (platform-independent, unlike `Double.random(in:)`).
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal draw by the Box–Muller transform (one of the pair is discarded, which keeps the
    /// stream position a simple function of the number of draws).
    public mutating func nextNormal() -> Double {
        var u1 = nextUniform()
        while u1 == 0 { u1 = nextUniform() }
        let u2 = nextUniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A Bernoulli draw: `true` with probability `p`.
    public mutating func nextBernoulli(_ p: Double) -> Bool { nextUniform() < p }

    /// A Poisson draw by sequential inversion. A mean above 400 is split into equal parts whose draws
    /// are added (a sum of independent Poisson variables is Poisson), which keeps exp(−mean) far from
    /// underflow; the cost is O(mean).
    public mutating func nextPoisson(mean: Double) -> Int {
        precondition(mean >= 0 && mean.isFinite, "a Poisson mean must be finite and ≥ 0")
        if mean > 400 {
            let parts = Int((mean / 400).rounded(.up))
            return (0..<parts).reduce(0) { sum, _ in sum + nextPoisson(mean: mean / Double(parts)) }
        }
        var k = 0
        var p = exp(-mean)
        var cumulative = p
        let u = nextUniform()
        while u > cumulative && k < 10_000 {
            k += 1
            p *= mean / Double(k)
            cumulative += p
        }
        return k
    }

    /// A uniform integer in `0..<upperBound` by Lemire's unbiased multiply-shift method.
    public mutating func nextIndex(below upperBound: Int) -> Int {
        precondition(upperBound > 0)
        return Int(next(upperBound: UInt64(upperBound)))
    }
}
