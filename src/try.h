/* Private to the library: return the first failure of a run of checks. */
#ifndef MQTTS_SRC_TRY_H
#define MQTTS_SRC_TRY_H

#define TRY(expr)                     \
    do {                              \
        mqtts_err try_e_ = (expr);    \
        if (try_e_ != MQTTS_OK)       \
            return try_e_;            \
    } while (0)

#endif
