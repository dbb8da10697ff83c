// glibc's allocator tuning (mallopt), which the Glibc module does not expose. No logic lives here.
#include <malloc.h>
