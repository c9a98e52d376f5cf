/*
 * Sweep charts: what `sweepkit plot` and `report` draw from loaded
 * summaries (sweep.h) on the general chart model (chart.h).
 * (Issue 13: the declarations move here from chart.h.)
 */
#ifndef SWEEPKIT_CHART_SWEEP_H
#define SWEEPKIT_CHART_SWEEP_H

#include "sweepkit/chart.h"
#include "sweepkit/sweep.h"

#endif
