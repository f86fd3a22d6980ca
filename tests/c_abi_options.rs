//! Socket options that act on the operating system's sockets, checked from C the way a
//! libzmq user would check them: on the descriptors themselves.

mod capi;

#[test]
fn sndbuf_rcvbuf_tos_maxrt_and_use_fd_reach_the_kernel_sockets() {
    capi::run_c("tcp_options", &[]);
}
