/*
 * zmq_utils.h for ferrozmq. libzmq 4.3 moved everything this header once declared into
 * zmq.h and keeps the file, empty, only so that older programs still find it. This one is
 * empty too, include guard and all: it neither pulls in zmq.h nor defines any name, since
 * a program that compiles against libzmq's can rely on neither, and one that compiles
 * against ours should compile against libzmq's. Compilers that can say so are told
 * (as a note, which -Werror leaves alone) that zmq.h is the header to include.
 */
#if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)
#pragma message("zmq_utils.h is deprecated and declares nothing; include zmq.h instead")
#endif
