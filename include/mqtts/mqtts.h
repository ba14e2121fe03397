/*
 * mqtts/mqtts.h - everything public in one include. Each layer also has its
 * own header, usable alone: packet.h is the codec without the rest.
 */
#ifndef MQTTS_MQTTS_H
#define MQTTS_MQTTS_H

#include "mqtts/config.h"
#include "mqtts/error.h"
#include "mqtts/packet.h"
#include "mqtts/tls.h" /* declarations only: link mqtts::tls to use them */
#include "mqtts/version.h"
#include "mqtts/websocket.h" /* declarations only: link mqtts::ws to use them */

#endif
