// ReadStat (Debian libreadstat-dev) ships no pkg-config file; the header lives in /usr/include.
#include <readstat.h>
