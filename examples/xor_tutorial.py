"""The seed tutorial's network, written out with nonlin's parts.

Run: python examples/xor_tutorial.py

Prints the tutorial's six error reports and its predictions, then checks the
gradients of the trained network against finite differences. To follow each of the
loop's four calls into nonlin's source, and see which lines are the math, read
docs/design.md, "Reading backprop in the source".
"""

import numpy as np

import nonlin
from nonlin import SGD, Dense, MeanSquaredError, Sequential, Sigmoid
from nonlin.initializers import uniform

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)

# 3-4-1, no biases, sigmoid units; weights 2 * U[0, 1) - 1 from the tutorial's seed.
model = Sequential(
    [Dense(4, bias=False, init=uniform), Sigmoid(), Dense(1, bias=False, init=uniform), Sigmoid()]
)
model.build(3, np.random.RandomState(1))

loss = MeanSquaredError(reduction="sum")  # 1/2 * sum (l2 - y)^2, so dL/dl2 = l2 - y
optimizer = SGD(lr=1.0)  # W <- W - dL/dW, the tutorial's `syn += ...`
for step in range(60_000):
    out = model.forward(X, training=True)
    if step % 10_000 == 0:
        print("Error:", float(np.mean(np.abs(y - out))))
    model.backward(loss.grad(y, out))
    optimizer.step(model.parameters())

print(model.predict(X))
print("largest gradient-check error:", nonlin.gradcheck(model, loss, X, y))
