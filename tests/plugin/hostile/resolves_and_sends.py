"""Resolves and sends without connect(): a DNS lookup by name, a UDP datagram by sendmsg."""

import socket


def lookup():
    return socket.gethostbyname("metrics.invalid")


def lookup_ex():
    return socket.gethostbyname_ex("metrics.invalid")


def reverse():
    return socket.gethostbyaddr("192.0.2.10")


def send_metric():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendmsg([b"requests:1|c"], [], 0, ("192.0.2.10", 8125))


def connect_ex():
    with socket.socket() as sock:
        return sock.connect_ex(("192.0.2.10", 9092))
