# R peer of the estimation benchmark (BENCHMARKS.md, "Estimation").
# Usage: Rscript estimate.R FILE OUT.csv linear|replicate
#   linear:    svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE)
#   replicate: svrepdesign(weights = ~w, repweights = "rw[0-9]+", type = "bootstrap",
#              combined.weights = TRUE)
# then svyby(~v1 + … + v40, ~area + wave, des, svymean); writes area, wave, variable, estimate, se.
suppressPackageStartupMessages({ library(data.table); library(survey) })
args <- commandArgs(trailingOnly = TRUE)
file <- args[1]; out <- args[2]; kind <- if (length(args) >= 3) args[3] else "linear"
t0 <- proc.time()[["elapsed"]]
dt <- fread(file, showProgress = FALSE)
t1 <- proc.time()[["elapsed"]]
vars <- paste0("v", 1:40)
des <- if (kind == "replicate") {
    svrepdesign(data = dt, weights = ~w, repweights = "rw[0-9]+", type = "bootstrap",
                combined.weights = TRUE)
} else {
    svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = dt)
}
t2 <- proc.time()[["elapsed"]]
res <- svyby(as.formula(paste("~", paste(vars, collapse = " + "))), ~area + wave, des, svymean)
t3 <- proc.time()[["elapsed"]]
# svyby's columns: area, wave, the 40 estimates, then their 40 SEs (names differ by design kind).
stopifnot(ncol(res) == 2 + 2 * length(vars))
cat("svyby columns:", head(names(res), 4), "...", names(res)[2 + length(vars) + 1:2], "\n", file = stderr())
rows <- list()
for (k in seq_along(vars)) {
    rows[[k]] <- data.frame(area = res$area, wave = res$wave, variable = vars[k],
                            estimate = res[[2 + k]], se = res[[2 + length(vars) + k]])
}
fwrite(rbindlist(rows), out)
cat(sprintf("R phases (elapsed s): fread %.2f, design %.2f, svyby %.2f\n", t1 - t0, t2 - t1, t3 - t2), file = stderr())
