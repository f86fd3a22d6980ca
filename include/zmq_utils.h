/*
 * zmq_utils.h for ferrozmq. libzmq 4.3 moved everything this header once declared into
 * zmq.h and keeps the file only so older programs still compile; ferrozmq does the same.
 */
#ifndef __ZMQ_UTILS_H_INCLUDED__
#define __ZMQ_UTILS_H_INCLUDED__

#include "zmq.h"

#endif
