import SurveyIngest
import Yams

/// Namespace marker; the instrument model lives in the files beside this one.
public enum SurveyInstrumentsModule {
    public static let yamlLibrary = "Yams"
}
