import SurveyStatistics

/// copro's version, printed in report footers.
public enum CoproVersion {
    public static let string = "0.1.0"
}
