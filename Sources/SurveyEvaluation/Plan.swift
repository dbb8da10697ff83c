import SurveyIngest
import SurveyInstruments
import SurveyStatistics
import SurveyReports
import Yams

public enum SurveyEvaluationModule {}
