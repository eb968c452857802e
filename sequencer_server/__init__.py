"""Sequencer's server: threads, messages and uploaded renders over HTTP (FastAPI).

Stateless by design: all state lives in the message store and the object storage, so any
number of replicas can run behind a load balancer.
"""

__version__ = "0.1.0"
